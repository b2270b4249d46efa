//! Following typing without a request per keystroke.

use leptos::prelude::*;
use std::time::Duration;

/// `source`, settled: it takes `source`'s value `delay` after the last change. It starts with
/// `source`'s first value (what the server rendered with), so pages look the same before and
/// after hydration.
pub fn debounced(source: Signal<String>, delay: Duration) -> Signal<String> {
    let settled = RwSignal::new(source.get_untracked());
    let pending: StoredValue<Option<TimeoutHandle>> = StoredValue::new(None);
    Effect::new(move |first: Option<()>| {
        let text = source.get();
        if first.is_none() {
            return;
        }
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        pending.set_value(set_timeout_with_handle(move || settled.set(text), delay).ok());
    });
    settled.into()
}
