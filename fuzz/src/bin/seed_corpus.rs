//! Writes the starting corpus of every fuzz target to `fuzz/corpus/<target>/`
//! (see README.md): `cargo run --manifest-path fuzz/Cargo.toml --features seed --bin seed-corpus`.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for target in ["bytecode", "compile", "script"] {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        let inputs = resin::fuzzing::seeds::corpus(target);
        for (name, bytes) in &inputs {
            std::fs::write(dir.join(name), bytes)?;
        }
        println!("{}: {} inputs", dir.display(), inputs.len());
    }
    Ok(())
}
