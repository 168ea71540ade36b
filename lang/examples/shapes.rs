//! Writes one of the input shapes of `tests/support/shapes.rs` to stdout, at
//! about the given size, for timing the compiler on it:
//!
//! ```text
//! cargo run --release -p resin-lang --example shapes -- else-if 1000000 > big.rsn
//! target/release/resin compile --emit ast big.rsn > /dev/null
//! ```
//!
//! Shapes: `errors-line`, `tokens`, `else-if`, `ring`, `ring-both`,
//! `ring-wide`, `constants`, `stray-tokens` (SIZE is in bytes, except for
//! `errors-line`: the number of errors). A development tool, not part of the compiler, so it may read its
//! arguments.
#![allow(clippy::disallowed_methods)]

#[path = "../tests/support/shapes.rs"]
mod shapes;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(shape), Some(size)) = (args.first(), args.get(1).and_then(|s| s.parse::<usize>().ok())) else {
        eprintln!(
            "usage: shapes SHAPE SIZE (errors-line tokens else-if ring ring-both ring-wide constants stray-tokens)"
        );
        std::process::exit(2);
    };
    let text = match shape.as_str() {
        "errors-line" => shapes::errors_on_one_line(size),
        "tokens" => shapes::many_functions(size),
        "else-if" => shapes::else_if_chains(250, size),
        // 255 resources: the largest set an access spec may hold.
        "ring" => shapes::ring_of_size(size, 255, false),
        "ring-both" => shapes::ring_of_size(size, 255, true),
        // One resource per function: every access set far over the limit.
        "ring-wide" => {
            let n = (size / 150).max(1);
            shapes::ring(n, n, false)
        }
        "constants" => shapes::constants_and_functions(size),
        "stray-tokens" => shapes::stray_tokens(size),
        other => {
            eprintln!("unknown shape `{other}`");
            std::process::exit(2);
        }
    };
    print!("{text}");
}
