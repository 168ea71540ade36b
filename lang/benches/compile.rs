//! Compile throughput: a large generated module (about 20,000 lines of
//! contract-style code: locals, arithmetic, branches, loops, structs, vectors,
//! calls and global storage) through each stage, reported in source lines per
//! second (`cargo bench -p resin-lang --bench compile`).

#[path = "../tests/gen/mod.rs"]
mod gen;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use resin_lang::{compile, compile_until, SourceFile, Stage};

fn bench_compile(c: &mut Criterion) {
    let text = gen::module(0x5EED, "big", 600, 8);
    let lines = text.lines().count() as u64;
    let sources = [SourceFile::new("big.rsn", text)];
    let result = compile(&sources, &[]);
    assert!(!result.has_errors(), "{}", result.diagnostics.render(&sources));

    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    group.throughput(Throughput::Elements(lines));
    for (name, stage) in [
        ("parse", Stage::Parse),
        ("resolve", Stage::Resolve),
        ("typecheck", Stage::Typecheck),
        ("full", Stage::Codegen),
    ] {
        group.bench_function(format!("{name} {lines} lines"), |b| {
            b.iter(|| compile_until(&sources, &[], stage).modules.len())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_compile);
criterion_main!(benches);
