fn main() {
    std::process::exit(leaklint::cli::run(std::env::args_os().skip(1)));
}
