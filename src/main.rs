/// Parsing allocates and frees millions of small syntax nodes; mimalloc does that much
/// faster than the system allocator and returns memory between crates.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(leaklint::cli::run(std::env::args_os().skip(1)));
}
