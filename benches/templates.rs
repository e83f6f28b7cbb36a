//! Widget templates: building the todo list of `tests/templates/todo_list.widget` (a Card with
//! a title, 20 rows of buttons with typed actions, text, a badge, and a form) from its
//! template and data, against building the very same widget with the builders, and against
//! the official Python SDK's `WidgetTemplate.build` on the same file and data, in the same run.
//!
//! `cargo bench --bench templates -- --warm-up-time 1 --measurement-time 3`
//!
//! The SDK side runs when `CHATKIT_ORACLE_VENV` names a virtualenv with the SDK
//! (`scripts/oracle-setup.sh`): `tests/templates/sdk_templates.py bench` times its `build`, and
//! this benchmark times its own `build` over the same span and prints both and their ratio.
//! Without it, or in test mode (`cargo test --benches`), that part says it is skipped.
//!
//! The allocator is mimalloc, as in the example servers (a production server's pick); the
//! comparison line names it. `docs/benchmarks.md` also gives the system allocator's figures.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chatkit_actions::widget::WidgetTemplate;
use criterion::{Criterion, Throughput};

include!("../tests/templates/todo_builders.rs");
use todo::{todo_builders, todo_data};

const TODOS: u64 = 20;

/// mimalloc, as the example servers use: a template build is allocation-heavy (about 740
/// allocations), and the allocator is an application's choice, not the library's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn folder() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/templates"))
}

fn bench(c: &mut Criterion, template: &WidgetTemplate, data: &serde_json::Value) {
    let mut group = c.benchmark_group("templates");
    let json = serde_json::to_vec(&todo_builders(TODOS)).map_or(0, |json| json.len());
    group.throughput(Throughput::Bytes(json as u64));
    group.bench_function("template/render", |b| {
        b.iter(|| template.render(black_box(data)));
    });
    group.bench_function("template/build", |b| {
        b.iter(|| template.build(black_box(data)));
    });
    group.bench_function("builders/build", |b| {
        b.iter(|| todo_builders(black_box(TODOS)));
    });
    group.bench_function("template/build_and_to_vec", |b| {
        b.iter(|| {
            template
                .build(black_box(data))
                .map(|root| serde_json::to_vec(&root))
        });
    });
    group.bench_function("builders/build_and_to_vec", |b| {
        b.iter(|| serde_json::to_vec(&todo_builders(black_box(TODOS))));
    });
    group.finish();
}

/// The SDK's `build` against ours, timed over the same span: nanoseconds per build each.
fn against_the_sdk(template: &WidgetTemplate, data: &serde_json::Value) {
    let Some(venv) = std::env::var_os("CHATKIT_ORACLE_VENV") else {
        println!("SDK comparison skipped: CHATKIT_ORACLE_VENV is not set");
        return;
    };
    let seconds = 3.0;
    let data_file =
        std::env::temp_dir().join(format!("templates-bench-{}.json", std::process::id()));
    if let Err(error) = std::fs::write(&data_file, data.to_string()) {
        println!(
            "SDK comparison skipped: cannot write {}: {error}",
            data_file.display()
        );
        return;
    }
    let output = Command::new(Path::new(&venv).join("bin/python"))
        .arg(folder().join("sdk_templates.py"))
        .arg("bench")
        .arg(folder().join("todo_list.widget"))
        .arg(&data_file)
        .arg(seconds.to_string())
        .output();
    let _ = std::fs::remove_file(&data_file);
    let sdk = match output {
        Ok(output) if output.status.success() => {
            serde_json::from_slice::<serde_json::Value>(&output.stdout)
                .ok()
                .and_then(|answer| answer["ns_per_build"].as_f64())
        }
        Ok(output) => {
            println!(
                "SDK comparison skipped: the SDK script failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return;
        }
        Err(error) => {
            println!("SDK comparison skipped: cannot run the SDK's Python: {error}");
            return;
        }
    };
    let Some(sdk) = sdk else {
        println!("SDK comparison skipped: the SDK script gave no timing");
        return;
    };
    let span = Duration::from_secs_f64(seconds);
    let mut ours = 0.0;
    // A warm-up of the same length, then the measure, as the script does.
    for _ in 0..2 {
        let start = Instant::now();
        let mut iterations = 0_u32;
        while start.elapsed() < span {
            let _ = black_box(template.build(black_box(data)));
            iterations += 1;
        }
        ours = start.elapsed().as_secs_f64() * 1e9 / f64::from(iterations);
    }
    println!(
        "todo list template ({TODOS} todos): Python SDK build {:.1} µs, ours (mimalloc) {:.1} µs: {:.1}x faster",
        sdk / 1000.0,
        ours / 1000.0,
        sdk / ours
    );
}

// `criterion_group!` would define an undocumented public fn; this is what it expands to.
fn main() {
    let template = match WidgetTemplate::from_file(folder().join("todo_list.widget")) {
        Ok(template) => template,
        Err(error) => panic!("{error}"),
    };
    let data = todo_data(TODOS);
    // The measured paths give the same widget.
    assert_eq!(template.build(&data).ok(), Some(todo_builders(TODOS)));

    let mut criterion = Criterion::default().configure_from_args();
    bench(&mut criterion, &template, &data);
    criterion.final_summary();
    if std::env::args().any(|arg| arg == "--bench") {
        against_the_sdk(&template, &data);
    } else {
        println!("SDK comparison skipped: test mode");
    }
}
