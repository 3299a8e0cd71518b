fn main() {
    std::process::exit(clerk::cli::main());
}
