import Foundation

/// Signatures made with OpenSSH 9.2 for the verifier's tests, all over `message`:
///
///     ssh-keygen -t ed25519|ecdsa [-b 384|521]|rsa -N '' -f key
///     ssh-keygen -Y sign -n git [-O hashalg=sha256] -f key message      # namespace git
///     ssh-keygen -Y sign -n file -f key message                         # `ed25519InFileNamespace`
///
/// and checked with `ssh-keygen -Y verify -n git` before they were copied here. The private keys
/// were thrown away; `otherKey` signed nothing.
enum Vectors {
    /// One key and its signature of `message`.
    struct Vector: Sendable {
        var name: String
        /// The `.pub` line.
        var publicKey: String
        /// As `ssh-keygen -l` prints it.
        var fingerprint: String
        /// The armoured SSHSIG.
        var signature: String
    }

    /// The signed bytes: a commit as git would hash it, without the gpgsig header.
    static let message = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
        + "author A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nsigned message\n"

    static let ed25519 = Vector(
        name: "ed25519",
        publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJC7djfon0mSQR87nx07k9B5zJqzEMQKnAhSK50YH3EO ed25519@aeolus.invalid",
        fingerprint: "SHA256:qXSlowQKCkuiL1QbytjcXo979iisfefXWnQUb9z6NOg",
        signature: """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgkLt2N+ifSZJBHzufHTuT0HnMmr
        MQxAqcCFIrnRgfcQ4AAAADZ2l0AAAAAAAAAAZzaGE1MTIAAABTAAAAC3NzaC1lZDI1NTE5
        AAAAQIWSx4bqetE3U9yOJAlOyQWCcGRZY9ndtEqX/jU9XLxYP+TsPMY2oqhQUrV6MbX6Fw
        kQ1ge+helCvHshMKYHNwk=
        -----END SSH SIGNATURE-----
        """)

    static let ecdsaP256 = Vector(
        name: "ecdsaP256",
        publicKey: "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIAwEA3zxZJqwNtD7+QgJiAFvkoSSHivSfVWgzM0tmT9AdAM3cPJRPPU7ggPjhWR8BkuTjWX0Dgr7OrIpUHHPMA= ecdsa@aeolus.invalid",
        fingerprint: "SHA256:7BIsZWW+van8WsQFk02SCGk+UnLLTdAgCPDNZBHN4hM",
        signature: """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAAGgAAAATZWNkc2Etc2hhMi1uaXN0cDI1NgAAAAhuaXN0cDI1NgAAAE
        EEgDAQDfPFkmrA20Pv5CAmIAW+ShJIeK9J9VaDMzS2ZP0B0Azdw8lE89TuCA+OFZHwGS5O
        NZfQOCvs6silQcc8wAAAAANnaXQAAAAAAAAABnNoYTUxMgAAAGUAAAATZWNkc2Etc2hhMi
        1uaXN0cDI1NgAAAEoAAAAhAJ2KvY+f8xMWrIM7BrzcodUuWnSAaj+cl8m2XAogmFabAAAA
        IQCXjBE38nOwcB7P/NB+b6LcQiA7pe+GYj6EXnscWVoWVQ==
        -----END SSH SIGNATURE-----
        """)

    static let ecdsaP384 = Vector(
        name: "ecdsaP384",
        publicKey: "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBHjJuqTnhgPlNCx/5G9B8QfUAJBfemCpF2ObW2QN6lgdWzHTI0EpwD74BN0UxquXM8MFSBSehC1RqXAOMPDZ6Gs2j5S9BEEuT/UJFvnCPaBEZxIR5NQDVhfOL/tgWHfkrg== p384",
        fingerprint: "SHA256:xOwqWZ13kLqMxxbDGrSiaDUitimC0ZQwabQ+qkbhhZY",
        signature: """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAAIgAAAATZWNkc2Etc2hhMi1uaXN0cDM4NAAAAAhuaXN0cDM4NAAAAG
        EEeMm6pOeGA+U0LH/kb0HxB9QAkF96YKkXY5tbZA3qWB1bMdMjQSnAPvgE3RTGq5czwwVI
        FJ6ELVGpcA4w8NnoazaPlL0EQS5P9QkW+cI9oERnEhHk1ANWF84v+2BYd+SuAAAAA2dpdA
        AAAAAAAAAGc2hhNTEyAAAAhAAAABNlY2RzYS1zaGEyLW5pc3RwMzg0AAAAaQAAADEAuD3o
        aDz7rq0yJLAl+tSecHFXf4w9rOLYVQKIoeDgrJmWimIXZLMvaRwlAE9gjC+6AAAAMAqDzS
        IrHZh5m/wntZRjp2V14KAvpncBezURemTokDN3QDvwDpBOVjITz1invgP2MQ==
        -----END SSH SIGNATURE-----
        """)

    static let ecdsaP521 = Vector(
        name: "ecdsaP521",
        publicKey: "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBADomPBs0oijA2/JAjK3FxZ6GyFi0Gu5Z2YGivYs8pDN+bVqFozojXGS/xCkd4sfdwfZeQiCQwpXmaIUNexnWoQryQD3+wJTz/MypW4zAX6bTzReCxkLr8/fw+wF83yzrKW1FW9BdqQxyKma7r00vcXajen5jbAXI03DToC87+PLTTztcQ== p521",
        fingerprint: "SHA256:pa2+e0GIiwbpakH68JlUPQjOjF/GRGRviZNpIU+ojLI",
        signature: """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAAKwAAAATZWNkc2Etc2hhMi1uaXN0cDUyMQAAAAhuaXN0cDUyMQAAAI
        UEAOiY8GzSiKMDb8kCMrcXFnobIWLQa7lnZgaK9izykM35tWoWjOiNcZL/EKR3ix93B9l5
        CIJDCleZohQ17GdahCvJAPf7AlPP8zKlbjMBfptPNF4LGQuvz9/D7AXzfLOspbUVb0F2pD
        HIqZruvTS9xdqN6fmNsBcjTcNOgLzv48tNPO1xAAAAA2dpdAAAAAAAAAAGc2hhNTEyAAAA
        pgAAABNlY2RzYS1zaGEyLW5pc3RwNTIxAAAAiwAAAEIBYCxGYRfD02IBYtuVX3XREWjreV
        mjEqCiv5TNle6D1IcWEkFxehESSRdv63BVj4IBQBHIfVmrUGbHAI86u9jzevMAAABBQ3rZ
        CNDend5BZbTaYQeGWnF3ey+MGeP6Eur2gP8NUZXVdIFK/r8IS0+9m34Zc1GZZRTI1hTam7
        +xVuqPFxvTjhw=
        -----END SSH SIGNATURE-----
        """)

    static let rsaSHA512 = Vector(
        name: "rsaSHA512",
        publicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDWJBEpK7NAJok72Yv2DWOB9Rx0aFT/yfRr3WxbqQiSdQLOUkesuL5BB6EPR//FHJ0IcTIpKpWmV4Lr3qZSqy8TOwC4Je4I8j2lIfVA25V+obv4R9GII4Jez1XpVGcGrLU6f4a/jQt3OA9whJGamDHSgyzaPkc4UOuSrVIaZhYnpP91MvpM0L1A6KjqEdhH6MzPxngHTUtclvJ0Bhq/zKvfNRa5PAiAbnGQbPYjnN9PuKhtwHUwVtlWGhYOgntaMiXKqC1D3tlCrqFCey0IUNWR2TfgWWa5NQFtuvoem+0V8TLwtHpGceZeFxb/7zR+x4K9STy2VRuhPL4hCc6oLSlXfcLLlRxw8UuklW6TAKPPlqtScyQyFy0StXZlHx6I17K9cSgWM8Hp4sOWgevay/gN2kcuu4fg/lrxEnWFOhXg+Xufi7J87jYx/ry1jSiJViAsKQVdMLErUkuKFoMd/EAmQzM6LbBhT8uD9OBPgzqcUx7eP65PNKj1ECpI9cZ4Uks= rsa@aeolus.invalid",
        fingerprint: "SHA256:Xo2F6f8jbAAOUjU/XLvjpbJ6Yida8Z+qW5WHg67b/+o",
        signature: """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAAZcAAAAHc3NoLXJzYQAAAAMBAAEAAAGBANYkESkrs0AmiTvZi/YNY4
        H1HHRoVP/J9GvdbFupCJJ1As5SR6y4vkEHoQ9H/8UcnQhxMikqlaZXguveplKrLxM7ALgl
        7gjyPaUh9UDblX6hu/hH0Ygjgl7PVelUZwastTp/hr+NC3c4D3CEkZqYMdKDLNo+RzhQ65
        KtUhpmFiek/3Uy+kzQvUDoqOoR2EfozM/GeAdNS1yW8nQGGr/Mq981Frk8CIBucZBs9iOc
        30+4qG3AdTBW2VYaFg6Ce1oyJcqoLUPe2UKuoUJ7LQhQ1ZHZN+BZZrk1AW26+h6b7RXxMv
        C0ekZx5l4XFv/vNH7Hgr1JPLZVG6E8viEJzqgtKVd9wsuVHHDxS6SVbpMAo8+Wq1JzJDIX
        LRK1dmUfHojXsr1xKBYzweniw5aB69rL+A3aRy67h+D+WvESdYU6FeD5e5+LsnzuNjH+vL
        WNKIlWICwpBV0wsStSS4oWgx38QCZDMzotsGFPy4P04E+DOpxTHt4/rk80qPUQKkj1xnhS
        SwAAAANnaXQAAAAAAAAABnNoYTUxMgAAAZQAAAAMcnNhLXNoYTItNTEyAAABgJEfDrrQSr
        U2sckj0F2cVM7Q9CR/AJAc3dPrpZzfnPH8UYcskhn3PKtkAMr3mGvhHLOPqTLSDRweLLnV
        YhD6i+lhzflLBbqoO92nh1IXhYEuwCvMXXwY4l7Ak/APCfVtgF+5NTECz6axRigAb+5ftQ
        hoxdwG1gh+j1KQ8iDwSth17OrBD98PCFUXeGqACRR+U6kU/wKc9F+HHkHZ+mlcXgoPBk1V
        YxQkxuA2S8WV1UPe6fpdjF66hlYdfgayWWtI4umlDy3+5kR0nYWvFOYoB+YJc1q3dNCJQk
        gOJUbUsIKrV50hCZcFj1i+W4WwOvsq3rshj7rMBKUNQfl2ihtK8R4mmXKeZdAwMvh85thg
        69jQM4agYE6jBeQWjSAZmH6fUNaMr8n/AdBsXGaLpLJBr/lAVWvM7VWJv2+l9KE9JOfu7a
        WHcBVNF8LQKIKWnfI8LmOI54WzApW+wd7F7EHo5c1XeD+32x3l7oOu6LsVcPRry3UO5xlq
        3iWNU554XC3D7A==
        -----END SSH SIGNATURE-----
        """)

    static let rsaSHA256 = Vector(
        name: "rsaSHA256",
        publicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDWJBEpK7NAJok72Yv2DWOB9Rx0aFT/yfRr3WxbqQiSdQLOUkesuL5BB6EPR//FHJ0IcTIpKpWmV4Lr3qZSqy8TOwC4Je4I8j2lIfVA25V+obv4R9GII4Jez1XpVGcGrLU6f4a/jQt3OA9whJGamDHSgyzaPkc4UOuSrVIaZhYnpP91MvpM0L1A6KjqEdhH6MzPxngHTUtclvJ0Bhq/zKvfNRa5PAiAbnGQbPYjnN9PuKhtwHUwVtlWGhYOgntaMiXKqC1D3tlCrqFCey0IUNWR2TfgWWa5NQFtuvoem+0V8TLwtHpGceZeFxb/7zR+x4K9STy2VRuhPL4hCc6oLSlXfcLLlRxw8UuklW6TAKPPlqtScyQyFy0StXZlHx6I17K9cSgWM8Hp4sOWgevay/gN2kcuu4fg/lrxEnWFOhXg+Xufi7J87jYx/ry1jSiJViAsKQVdMLErUkuKFoMd/EAmQzM6LbBhT8uD9OBPgzqcUx7eP65PNKj1ECpI9cZ4Uks= rsa@aeolus.invalid",
        fingerprint: "SHA256:Xo2F6f8jbAAOUjU/XLvjpbJ6Yida8Z+qW5WHg67b/+o",
        signature: """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAAZcAAAAHc3NoLXJzYQAAAAMBAAEAAAGBANYkESkrs0AmiTvZi/YNY4
        H1HHRoVP/J9GvdbFupCJJ1As5SR6y4vkEHoQ9H/8UcnQhxMikqlaZXguveplKrLxM7ALgl
        7gjyPaUh9UDblX6hu/hH0Ygjgl7PVelUZwastTp/hr+NC3c4D3CEkZqYMdKDLNo+RzhQ65
        KtUhpmFiek/3Uy+kzQvUDoqOoR2EfozM/GeAdNS1yW8nQGGr/Mq981Frk8CIBucZBs9iOc
        30+4qG3AdTBW2VYaFg6Ce1oyJcqoLUPe2UKuoUJ7LQhQ1ZHZN+BZZrk1AW26+h6b7RXxMv
        C0ekZx5l4XFv/vNH7Hgr1JPLZVG6E8viEJzqgtKVd9wsuVHHDxS6SVbpMAo8+Wq1JzJDIX
        LRK1dmUfHojXsr1xKBYzweniw5aB69rL+A3aRy67h+D+WvESdYU6FeD5e5+LsnzuNjH+vL
        WNKIlWICwpBV0wsStSS4oWgx38QCZDMzotsGFPy4P04E+DOpxTHt4/rk80qPUQKkj1xnhS
        SwAAAANnaXQAAAAAAAAABnNoYTI1NgAAAZQAAAAMcnNhLXNoYTItNTEyAAABgJ/S+jy61k
        L0BoXltJA3e3ASPm2xP8evU90aVMmyQFDrGJrwErO4WLMQLir+bCdUrf8+Cki4WPcNEjSH
        oXXGBJgUMWfIVByyqgmpg5B9tgQlikFXtW9n9WCMPmufs81k21+il3AWXtA3jgeM9Cgrgi
        FrYK5A8VmDQ9UxONaSNpmXtL79sK9UThTcUvzkuJYsxJ1MB5H1Q6xgCwTgjh7BA5oQmn4V
        3DSpvmhzAgUj7q7TRd3nvLi+94Myy1yC3uDLRjrAfyfDuXk93xo+Rcn9mEJH5US7Jm4oJa
        wK3KFeeb1OuDHtQezzM1DbW/b0p+LfcCg0r9lziaZSkQi35kewjOsoLGM7Dz15aDViR/px
        SAmkujzniGQUBrLRB1o7GkppyWNxwFy3jWCKSPEV8xZgTedFPS/vAozwa5GtFU9xOD/k6/
        pxsshLlnnMrKTYFofAMg3jQgO47IqW2b5KNq0JISu8vanJqWRVubbUy8ytZEErvm0fIV16
        kO6J3D6ESNvw1Q==
        -----END SSH SIGNATURE-----
        """)

    /// An ed25519 signature of `message` by `ed25519`'s key in namespace `file`, not `git`.
    static let ed25519InFileNamespace = """
        -----BEGIN SSH SIGNATURE-----
        U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgkLt2N+ifSZJBHzufHTuT0HnMmr
        MQxAqcCFIrnRgfcQ4AAAAEZmlsZQAAAAAAAAAGc2hhNTEyAAAAUwAAAAtzc2gtZWQyNTUx
        OQAAAECYVAp0jrDHwMX9z9k1pmZ7pTrcyKW8CwxMmO/V3HXjpu8wM58SRKBe5LzKVhKsHj
        VLej77tDcaUA/4+gUplpID
        -----END SSH SIGNATURE-----
        """

    /// A key that signed nothing here.
    static let otherKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPSvRq4S2k/rRSF+uPYDoEoaYM4GpwmfWN/YaOOA9iWS other"

    /// Every key type with its signature.
    static let all = [ed25519, ecdsaP256, ecdsaP384, ecdsaP521, rsaSHA512, rsaSHA256]
}
