//! Front-end throughput: lexing and parsing a large generated module, reported
//! in source lines per second (`cargo bench -p resin-lang --bench parse`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use resin_lang::{lex, parse, SourceFile};

/// A module with `functions` functions in the style of real contracts
/// (~14 lines each): storage access, arithmetic, control flow, packs, calls.
fn generate(functions: usize) -> String {
    let mut out = String::from(
        "module 0x1::big {\n    use 0x1::signer;\n    struct Balance has key { value: u64, owner: address }\n    \
         struct Ev has drop, store { who: address, amount: u64 }\n    const E_LOW: u64 = 1;\n\n",
    );
    for i in 0..functions {
        out.push_str(&format!(
            "    /// Function number {i}.
    public entry fun f{i}(account: &signer, to: address, amount: u64) acquires write Balance@to {{
        let me = signer::address_of(account);
        let b = borrow_global_mut<Balance>(to);
        assert!(b.value >= amount && amount > 0, E_LOW);
        let i = 0;
        while (i < {i}) {{
            if (i % 3 == 0) {{ b.value = b.value - 1; }} else {{ b.value = (b.value + i as u64) * 2 / 3; }};
            i = i + 1;
        }};
        let bytes = vector[1u8, 2u8, 0xFFu8];
        emit(Ev {{ who: me, amount: b.value << 1 }});
        b.owner = if (amount > {i}) me else @0x{i:x};
    }}\n"
        ));
    }
    out.push_str("}\n");
    out
}

fn bench_parse(c: &mut Criterion) {
    let text = generate(2_000);
    let lines = text.lines().count() as u64;
    let sources = [SourceFile::new("big.rsn", text.clone())];
    let (_, diags) = parse(&sources);
    assert!(diags.is_empty(), "{}", diags.render(&sources));

    let mut group = c.benchmark_group("front-end");
    group.throughput(Throughput::Elements(lines));
    group.bench_function(format!("lex {lines} lines"), |b| b.iter(|| lex(0, &text).0.len()));
    group.bench_function(format!("parse {lines} lines"), |b| b.iter(|| parse(&sources).0.modules.len()));
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
