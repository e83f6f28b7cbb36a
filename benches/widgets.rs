//! Serializing a realistic todo list widget: a Card with a title, 20 rows (a checkbox-like
//! toggle button, the title, a caption, a badge and a delete button, each button with its
//! typed action) and a "new todo" form. Measured against serializing the same tree held as
//! an untyped `serde_json::Value` (what a dynamic widget model writes).
//!
//! `cargo bench --bench widgets -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput};

// `todo_builders`: the todo list, built with the builders; the same widget the template of the
// templates benchmark renders (shared with it and with tests/templates.rs).
include!("../tests/templates/todo_builders.rs");
use todo::todo_builders as todo_list;

fn bench(c: &mut Criterion) {
    let widget = todo_list(20);
    let Ok(json) = serde_json::to_string(&widget) else {
        return;
    };
    let Ok(value) = serde_json::to_value(&widget) else {
        return;
    };
    // The untyped tree writes the same JSON (its keys sorted, so compare lengths).
    assert_eq!(
        serde_json::to_string(&value).map(|s| s.len()).ok(),
        Some(json.len())
    );

    let mut group = c.benchmark_group("widgets");
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("typed/to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&widget)));
    });
    group.bench_function("json_value/to_vec", |b| {
        b.iter(|| serde_json::to_vec(black_box(&value)));
    });
    group.bench_function("typed/build_and_to_vec", |b| {
        b.iter(|| serde_json::to_vec(&todo_list(black_box(20))));
    });
    group.finish();
    println!("todo list widget: {} bytes of JSON", json.len());
}

// `criterion_group!` would define an undocumented public fn; this is what it expands to.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion);
    criterion.final_summary();
}
