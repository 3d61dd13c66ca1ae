//! Breaking-change report between two versions of a catalog. (Being built: see issue 4.)
