//! The `tollgate` binary: parses arguments and hands over to the library.

fn main() -> std::process::ExitCode {
    tollgate::cli::main()
}
