//! Widget templates: building the todo list of `tests/templates/todo_list.widget` (a Card with
//! a title, 20 rows of buttons with typed actions, text, a badge, and a form) from its
//! template and data, against building the very same widget with the builders, and against
//! the official Python SDK's `WidgetTemplate.build` on the same file and data, in the same run.
//!
//! `cargo bench --bench templates -- --warm-up-time 1 --measurement-time 3`
//!
//! The SDK side runs when `CHATKIT_ORACLE_VENV` names a virtualenv with the SDK
//! (`scripts/oracle-setup.sh`): `tests/templates/sdk_templates.py rounds` times its `build` in
//! rounds of one second, which this benchmark alternates with rounds of its own `build`, and it
//! prints the two medians and their ratio.
//! Without it, or in test mode (`cargo test --benches`), that part says it is skipped.
//!
//! The allocator is mimalloc, as in the example servers (a production server's pick); the
//! comparison line names it. `docs/benchmarks.md` also gives the system allocator's figures.

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
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

/// How many rounds of each side [`against_the_sdk`] times, and how long each round is.
const ROUNDS: usize = 7;
const ROUND_SECONDS: f64 = 1.0;

/// The SDK's `build` against ours, in alternating rounds of the same length (the SDK's in its
/// own process, kept waiting between rounds), so that both see the machine in the same state:
/// nanoseconds per build in each round, and the ratio of the two medians.
fn against_the_sdk(template: &WidgetTemplate, data: &serde_json::Value) {
    let Some(venv) = std::env::var_os("CHATKIT_ORACLE_VENV") else {
        println!("SDK comparison skipped: CHATKIT_ORACLE_VENV is not set");
        return;
    };
    let data_file =
        std::env::temp_dir().join(format!("templates-bench-{}.json", std::process::id()));
    if let Err(error) = std::fs::write(&data_file, data.to_string()) {
        println!(
            "SDK comparison skipped: cannot write {}: {error}",
            data_file.display()
        );
        return;
    }
    let result = rounds(Path::new(&venv), &data_file, template, data);
    let _ = std::fs::remove_file(&data_file);
    let (mut sdk, mut ours) = match result {
        Ok(rounds) => rounds,
        Err(error) => {
            println!("SDK comparison skipped: {error}");
            return;
        }
    };
    let per_round: Vec<String> = sdk
        .iter()
        .zip(&ours)
        .map(|(sdk, ours)| format!("{:.1}x", sdk / ours))
        .collect();
    let (sdk, ours) = (median(&mut sdk), median(&mut ours));
    println!(
        "todo list template ({TODOS} todos), {ROUNDS} alternating rounds of {ROUND_SECONDS} s: Python SDK build {:.1} µs, ours (mimalloc) {:.1} µs (medians): {:.1}x faster (rounds: {})",
        sdk / 1000.0,
        ours / 1000.0,
        sdk / ours,
        per_round.join(", ")
    );
}

/// The SDK's and our nanoseconds per build, round by round.
fn rounds(
    venv: &Path,
    data_file: &Path,
    template: &WidgetTemplate,
    data: &serde_json::Value,
) -> Result<(Vec<f64>, Vec<f64>), String> {
    let mut sdk = Command::new(venv.join("bin/python"))
        .arg(folder().join("sdk_templates.py"))
        .arg("rounds")
        .arg(folder().join("todo_list.widget"))
        .arg(data_file)
        .arg(ROUND_SECONDS.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| format!("cannot run the SDK's Python: {error}"))?;
    let (Some(mut input), Some(output)) = (sdk.stdin.take(), sdk.stdout.take()) else {
        return Err("the SDK's pipes are missing".to_owned());
    };
    let mut lines = BufReader::new(output).lines();
    let mut answer = move || -> Result<serde_json::Value, String> {
        let line = lines
            .next()
            .ok_or("the SDK script stopped")?
            .map_err(|error| error.to_string())?;
        serde_json::from_str(&line)
            .map_err(|error| format!("the SDK script wrote {line:?}: {error}"))
    };
    // The SDK warms up first; then ours, for as long.
    answer()?;
    ours_for(template, data, ROUND_SECONDS);
    let mut timings = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        writeln!(input, "round").map_err(|error| error.to_string())?;
        let round = answer()?;
        timings.0.push(
            round["ns_per_build"]
                .as_f64()
                .ok_or("the SDK script gave no timing")?,
        );
        timings.1.push(ours_for(template, data, ROUND_SECONDS));
    }
    drop(input);
    let _ = sdk.wait();
    Ok(timings)
}

/// Our nanoseconds per build, building for `seconds`.
fn ours_for(template: &WidgetTemplate, data: &serde_json::Value, seconds: f64) -> f64 {
    let span = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut iterations = 0_u32;
    while start.elapsed() < span {
        let _ = black_box(template.build(black_box(data)));
        iterations += 1;
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(iterations)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
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
