#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ketnap_fuzz::rules_toml(data));
