//! `cargo leaklint ...`: cargo runs `cargo-leaklint leaklint ...`; drop the subcommand
//! name it passes and run the same CLI.
/// Parsing allocates and frees millions of small syntax nodes; mimalloc does that much
/// faster than the system allocator and returns memory between crates.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args_os().skip(1).peekable();
    if args.peek().is_some_and(|a| a == "leaklint") {
        args.next();
    }
    std::process::exit(leaklint::cli::run(args));
}
