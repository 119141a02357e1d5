#![no_main]
// Body: fuzz_targets::run("kuberay_answer", ..) in crates/fuzz-targets.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_targets::run("kuberay_answer", data).expect("known target");
});
