use std::process::ExitCode;

use clap::Parser;

use scalelint::cli::{Cli, run};

fn main() -> ExitCode {
    scalelint::panics::install_hook();
    let cli = Cli::parse();
    // The hook has printed what failed and where; a panic that escapes every
    // narrower guard still ends as exit 2, never as Rust's 101 or an abort.
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("scalelint: {e}");
            ExitCode::from(2)
        }
        Err(_) => ExitCode::from(2),
    }
}

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
