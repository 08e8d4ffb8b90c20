use std::process::ExitCode;

use clap::Parser;

use scalelint::cli::{Cli, run};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scalelint: {e}");
            ExitCode::from(2)
        }
    }
}
