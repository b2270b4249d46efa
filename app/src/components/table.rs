use crate::i18n::{tu_string, use_i18n};
use leptos::prelude::*;

/// A data table: scrolls sideways on narrow screens (`table-wrap`), one header row from
/// `columns`, and the rows as children. Each row's cells carry `data-label` with their column's
/// name, which the stylesheet shows in place of the header on phones. A column named `""` is
/// the row's actions, named for screen readers only.
#[component]
pub fn DataTable(
    /// Extra class for the table (`queue`, `audit`).
    #[prop(optional)]
    class: &'static str,
    /// Read out by screen readers before the table.
    #[prop(optional)]
    caption: Option<&'static str>,
    /// The column names, in the page's language.
    columns: Vec<&'static str>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let class = if class.is_empty() {
        "table".to_owned()
    } else {
        format!("table {class}")
    };
    view! {
        <div class="table-wrap">
            <table class=class>
                {caption.map(|text| view! { <caption class="visually-hidden">{text}</caption> })}
                <thead>
                    <tr>
                        {columns
                            .iter()
                            .map(|&name| {
                                if name.is_empty() {
                                    view! { <th scope="col"><span class="visually-hidden">{tu_string!(i18n, common.actions)}</span></th> }.into_any()
                                } else {
                                    view! { <th scope="col">{name}</th> }.into_any()
                                }
                            })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
