//! Generates the `i18n` module from `locales/{nb,en}/<namespace>.json` (leptos_i18n): every
//! translation key becomes a typed accessor, so a key that does not exist fails the build. Each
//! file in `locales/nb` is a namespace (one per feature); `en` must have the same files.

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=locales");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?).join("i18n");
    let mut namespaces: Vec<String> = std::fs::read_dir("locales/nb")?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".json").map(str::to_owned)
        })
        .collect();
    namespaces.sort();
    let config = Config::new("nb")?
        .add_locale("en")?
        .add_namespaces(&namespaces)?
        .parse_options(ParseOptions::default().interpolate_display(true));
    let translations = TranslationsInfos::parse(config)?;
    translations.emit_diagnostics();
    translations.rerun_if_locales_changed();
    translations.generate_i18n_module(out)?;
    Ok(())
}
