use super::*;

fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

#[test]
fn locale_names() {
    for nb in [
        "nb",
        "no",
        "nn",
        "nb_NO.UTF-8",
        "no_NO",
        "nn_NO.utf8",
        "nb-NO",
        "NB",
    ] {
        assert_eq!(from_locale(nb), Some(Lang::Nb), "{nb}");
    }
    for en in ["en", "en_US.UTF-8", "en_GB", "C", "POSIX", "C.UTF-8"] {
        assert_eq!(from_locale(en), Some(Lang::En), "{en}");
    }
    for unknown in ["sv_SE.UTF-8", "de", "", "xx"] {
        assert_eq!(from_locale(unknown), None, "{unknown}");
    }
}

#[test]
fn precedence() {
    let nb_env = [("LANG", "nb_NO.UTF-8")];
    assert_eq!(Lang::resolve(None, None, &env(&nb_env)), Lang::Nb);
    assert_eq!(Lang::resolve(Some(Lang::En), None, &env(&nb_env)), Lang::En);
    assert_eq!(Lang::resolve(None, Some(Lang::En), &env(&nb_env)), Lang::En);
    assert_eq!(
        Lang::resolve(Some(Lang::Nb), Some(Lang::En), &env(&[])),
        Lang::Nb
    );
    assert_eq!(Lang::resolve(None, None, &env(&[])), Lang::En);
}

#[test]
fn posix_order_of_the_variables() {
    let vars = [("LC_ALL", "C"), ("LANG", "nb_NO.UTF-8")];
    assert_eq!(Lang::resolve(None, None, &env(&vars)), Lang::En);
    let vars = [("LC_MESSAGES", "nb_NO.UTF-8"), ("LANG", "en_US.UTF-8")];
    assert_eq!(Lang::resolve(None, None, &env(&vars)), Lang::Nb);
    let vars = [("LC_ALL", ""), ("LANG", "nb_NO.UTF-8")];
    assert_eq!(Lang::resolve(None, None, &env(&vars)), Lang::Nb);
    let vars = [("LANG", "sv_SE.UTF-8")];
    assert_eq!(Lang::resolve(None, None, &env(&vars)), Lang::En);
}

#[test]
fn missing_keys_fall_back() {
    assert_eq!(Lang::Nb.t("no-such-key", &[]), "no-such-key");
    assert!(Lang::Nb.has("lang-name"));
    assert_eq!(Lang::Nb.t("lang-name", &[]), "norsk bokmål");
    assert!(!Lang::Nb.has("no-such-key"));
}

#[test]
fn messages_render_in_each_language() {
    let m = Message::new("lang-unknown").arg("value", "xx");
    assert!(m.to_string().starts_with("'xx' is not a language"));
    assert!(m.render(Lang::Nb).starts_with("'xx' er ikke et språk"));
    assert_eq!(
        crate::t!(Lang::En, "lang-unknown", value = "xx"),
        m.to_string()
    );
    assert_eq!("nb_NO.UTF-8".parse::<Lang>(), Ok(Lang::Nb));
    assert!("xx".parse::<Lang>().is_err());
}
