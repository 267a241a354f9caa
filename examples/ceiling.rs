//! The machine's own ceiling for what `thresh clean` does to a folder of text files, with none
//! of thresh's work: read every file, split it into lines and hash each line (pass 1), then
//! read every file again and write it to the output folder (pass 2), on the same number of
//! threads. `scripts/bench.sh` runs it beside thresh on the same files: thresh's time over this
//! one is how far thresh is from the hardware.
//!
//!     cargo run --release --example ceiling -- INPUT OUTPUT [THREADS]
//!
//! Prints the bytes read, the seconds of each pass and MB/s (one pass's input per second).

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output) = match (args.first(), args.get(1)) {
        (Some(i), Some(o)) => (PathBuf::from(i), PathBuf::from(o)),
        _ => return Err("usage: ceiling INPUT OUTPUT [THREADS]".into()),
    };
    let threads = args.get(2).map(|t| t.parse()).transpose()?.unwrap_or(0);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;

    let clock = Instant::now();
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&input)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    let listed = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let (bytes, lines) = files
        .par_iter()
        .map(|path| -> std::io::Result<(u64, u64)> {
            let text = std::fs::read(path)?;
            // Fold the hashes so the work cannot be optimised away.
            let lines = text
                .split(|&b| b == b'\n')
                .map(xxh3_64)
                .fold(0u64, |n, h| n + u64::from(h != 0));
            Ok((text.len() as u64, lines))
        })
        .try_reduce(|| (0, 0), |a, b| Ok((a.0 + b.0, a.1 + b.1)))?;
    let pass1 = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    files
        .par_iter()
        .try_for_each(|path| write_copy(path, &input, &output))?;
    let pass2 = clock.elapsed().as_secs_f64();

    let mb = bytes as f64 / 1e6;
    println!(
        "ceiling: {} files, {mb:.0} MB, {lines} lines; list {listed:.2} s, read+split+hash {pass1:.2} s, read+write {pass2:.2} s; {:.0} MB/s overall",
        files.len(),
        mb / (listed + pass1 + pass2)
    );
    Ok(())
}

/// Read `path` again and write it under `output` at the same relative place.
fn write_copy(path: &Path, input: &Path, output: &Path) -> std::io::Result<()> {
    let text = std::fs::read(path)?;
    let rel = path.strip_prefix(input).unwrap_or(path);
    let target = output.join(rel);
    if let Some(dir) = target.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(target, text)
}
