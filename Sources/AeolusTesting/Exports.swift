@_exported import ProcessKit
