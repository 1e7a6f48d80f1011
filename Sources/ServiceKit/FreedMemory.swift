#if canImport(Glibc)
import Glibc
#endif

/// Hands memory the process freed back to the kernel.
public enum FreedMemory {
    /// glibc's allocator keeps freed pages in its arenas for reuse: after a burst (a large revision
    /// decoded and compiled, a registration storm) the resident size stays at its peak for good.
    /// `malloc_trim` returns the free pages of every arena. It walks the heap: call it after a
    /// burst, off the cooperative pool, not per request.
    public static func returnToKernel() {
        #if canImport(Glibc)
        if let trim = mallocTrim { _ = trim(0) }
        #endif
    }

    #if canImport(Glibc)
    /// glibc's `malloc_trim`, found by name (`<malloc.h>` is not in Swift's Glibc module); nil with
    /// another C library.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = dlsym(nil, "malloc_trim").map {
        unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self)
    }
    #endif
}
