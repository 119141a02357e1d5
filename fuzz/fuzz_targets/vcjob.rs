#![no_main]
// Body: fuzz_targets::run("vcjob", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("vcjob", data).expect("known target");
});
