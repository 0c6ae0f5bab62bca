//! The value after a flag on the command line (`--db URL`), for the bench binaries.

/// The argument after `name`, if given.
pub fn arg(name: &str) -> Option<String> {
    let mut args = std::env::args();
    while let Some(a) = args.next() {
        if a == name {
            return args.next();
        }
    }
    None
}
