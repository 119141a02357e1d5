//! The CI smoke run of the fuzz targets on stable: every committed corpus
//! file under `fuzz/corpus/<target>/` goes through the same target function
//! cargo-fuzz runs. A crash the fuzzer found is committed into the corpus
//! once fixed, so it stays fixed.

use std::path::PathBuf;

#[test]
fn every_corpus_file_passes_its_target() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    let mut total = 0;
    for target in fuzz_targets::TARGETS {
        let dir = root.join(target);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        assert!(!files.is_empty(), "{}: empty corpus", dir.display());
        for f in &files {
            let data = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            fuzz_targets::run(target, &data).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        }
        total += files.len();
    }
    assert!(total >= fuzz_targets::TARGETS.len());
}
