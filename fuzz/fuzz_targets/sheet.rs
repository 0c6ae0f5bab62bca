#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ketnap_fuzz::sheet(data));
