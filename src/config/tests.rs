//! Unit tests of the settings resolution.
use super::*;
use crate::model::{Currency, InvoiceChannel};
use std::collections::HashMap;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn flags_beat_env_beat_file_beat_defaults() {
    let file = parse("[run]\nrate = 5\nconcurrency = 3\nrequest_timeout = 9.5\n").unwrap();
    let env = env_of(&[("KRAVIA_BATCH_CONCURRENCY", "4")]);
    let flags = RunFlags {
        rate: Some(7),
        ..Default::default()
    };
    let s = run_settings(&flags, &env, &file).unwrap();
    assert_eq!((s.rate.value, s.rate.source), (7, Source::Flag));
    assert_eq!(
        (s.concurrency.value, s.concurrency.source),
        (4, Source::Env("KRAVIA_BATCH_CONCURRENCY"))
    );
    assert_eq!(s.request_timeout.value, 9.5);
    assert_eq!(s.request_timeout.source, Source::File);
    assert_eq!(
        (s.flow.value, s.flow.source),
        (Flow::OneStep, Source::Default)
    );
}

#[test]
fn bad_values_name_their_origin() {
    let env = env_of(&[("KRAVIA_BATCH_RATE", "fast")]);
    let e = run_settings(&RunFlags::default(), &env, &ConfigFile::default()).unwrap_err();
    assert!(e.to_string().contains("KRAVIA_BATCH_RATE=fast"), "{e}");
    let e = parse("[run]\nrate = \"x\"\n").unwrap_err();
    assert!(e.contains("rate"), "{e}");
    let e = parse("[dintero]\nclient_secret = \"s3cr3t\"\n").unwrap_err();
    assert!(!e.contains("s3cr3t") && e.contains("client_secret"), "{e}");
    assert!(e.starts_with("line 2"), "{e}");
    let e = parse("[dintero]\naccount_id = \"s3cr3t\n").unwrap_err();
    assert!(!e.contains("s3cr3t"), "{e}");
    let file = parse("[input]\ncurrency = \"XYZ\"\n").unwrap();
    let e = input_defaults(&InputFlags::default(), &env_of(&[]), &file).unwrap_err();
    assert!(e.to_string().contains("input.currency"), "{e}");
}

#[test]
fn input_defaults_layer() {
    let file =
        parse("[input]\ncurrency = \"SEK\"\ndays_until_due = 30\ninvoice_channel = \"merchant\"\n")
            .unwrap();
    let env = env_of(&[("KRAVIA_BATCH_DAYS_UNTIL_DUE", "10")]);
    let flags = InputFlags {
        currency: Some(Currency::NOK),
        ..Default::default()
    };
    let d = input_defaults(&flags, &env, &file).unwrap();
    assert_eq!(d.currency.unwrap().value, Currency::NOK);
    assert_eq!(d.days_until_due.unwrap().value, 10);
    assert_eq!(d.invoice_channel.unwrap().value, InvoiceChannel::Merchant);
    assert!(d.country.is_none());
}

#[test]
fn default_locations() {
    let env = env_of(&[("HOME", "/home/kari")]);
    if cfg!(target_os = "linux") {
        assert_eq!(
            default_path(&env).unwrap(),
            PathBuf::from("/home/kari/.config/kravia-batch/config.toml")
        );
        assert_eq!(
            default_data_dir(&env).unwrap(),
            PathBuf::from("/home/kari/.local/share/kravia-batch")
        );
    }
    assert!(default_path(&env_of(&[])).is_none());
}
