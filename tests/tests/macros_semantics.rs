//! `#[root_span]` / `#[child_span]` through the attributes (README, Span attributes): names, kinds,
//! `code.*` attributes, arguments as attributes (every `SpanValue` type, user types, skipping,
//! secrets, `fields`, limits), and where each span goes: roots, children, carriers.
//!
//! Outcomes are in `macros_outcome.rs`, fn shapes and async in `macros_async.rs`, logs in
//! `macros_logs.rs`. The manual `Span` API is covered by `spans.rs`.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use traced::testing::{Capture, CapturedSpan, Value, capture};
use traced::{SpanKind, child_span, root_span};
use traced_tests::captured::{user_attrs, user_keys};

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn s(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// The attribute `key`, failing with every attribute the span has.
#[track_caller]
fn attr<'a>(span: &'a CapturedSpan, key: &str) -> &'a Value {
    span.attr(key).unwrap_or_else(|| {
        panic!(
            "no attribute {key:?} on {:?}: {:?}",
            span.name, span.attributes
        )
    })
}

#[track_caller]
fn no_attr(span: &CapturedSpan, key: &str) {
    assert_eq!(
        span.attr(key),
        None,
        "attribute {key:?} recorded on {:?}: {:?}",
        span.name,
        span.attributes
    );
}

// ---------------------------------------------------------------------------------------------
// Names and kinds

#[child_span]
fn default_name() {}

#[child_span(name = "custom.child name")]
fn renamed_child() {}

#[root_span]
fn default_root_name() {}

#[root_span(name = "custom.root")]
fn renamed_root() {}

#[test]
fn the_span_is_named_after_the_fn_unless_named() {
    let ((), spans) = capture(|| {
        default_name();
        renamed_child();
        default_root_name();
        renamed_root();
    });
    assert_eq!(spans.len(), 4, "{spans:?}");
    spans.named("default_name");
    spans.named("custom.child name");
    spans.named("default_root_name");
    spans.named("custom.root");
    assert_eq!(spans.all_named("renamed_child").count(), 0);
    assert_eq!(spans.all_named("renamed_root").count(), 0);
}

#[child_span]
fn kind_default() {}
#[child_span(kind = internal)]
fn kind_internal() {}
#[child_span(kind = server)]
fn kind_server() {}
#[child_span(kind = client)]
fn kind_client() {}
#[child_span(kind = producer)]
fn kind_producer() {}
#[child_span(kind = consumer)]
fn kind_consumer() {}
#[root_span]
fn root_kind_default() {}
#[root_span(kind = server)]
fn root_kind_server() {}
#[root_span(kind = client)]
fn root_kind_client() {}
#[root_span(kind = producer)]
fn root_kind_producer() {}
#[root_span(kind = consumer)]
fn root_kind_consumer() {}
#[root_span(kind = internal)]
fn root_kind_internal() {}

#[test]
fn kinds_default_to_internal_and_can_be_set() {
    let ((), spans) = capture(|| {
        kind_default();
        kind_internal();
        kind_server();
        kind_client();
        kind_producer();
        kind_consumer();
        root_kind_default();
        root_kind_server();
        root_kind_client();
        root_kind_producer();
        root_kind_consumer();
        root_kind_internal();
    });
    for (name, kind) in [
        ("kind_default", SpanKind::Internal),
        ("kind_internal", SpanKind::Internal),
        ("kind_server", SpanKind::Server),
        ("kind_client", SpanKind::Client),
        ("kind_producer", SpanKind::Producer),
        ("kind_consumer", SpanKind::Consumer),
        ("root_kind_default", SpanKind::Internal),
        ("root_kind_server", SpanKind::Server),
        ("root_kind_client", SpanKind::Client),
        ("root_kind_producer", SpanKind::Producer),
        ("root_kind_consumer", SpanKind::Consumer),
        ("root_kind_internal", SpanKind::Internal),
    ] {
        assert_eq!(spans.named(name).kind, kind, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// code.* attributes

// Each returns the line of its own name: `line!()` is on the same line as `fn`.
#[child_span]
#[rustfmt::skip]
fn located_child() -> u32 { line!() }

#[root_span(name = "located root", skip_all)]
#[rustfmt::skip]
fn located_root(_unused: u8) -> u32 { line!() }

mod nested {
    pub(crate) mod deeper {
        #[traced::child_span]
        #[rustfmt::skip]
        pub(crate) fn located_in_module() -> u32 { line!() }
    }
}

#[test]
fn code_attributes_are_always_recorded_with_their_types() {
    let (lines, spans) = capture(|| {
        (
            located_child(),
            located_root(0),
            nested::deeper::located_in_module(),
        )
    });
    for (name, function, line) in [
        (
            "located_child",
            concat!(module_path!(), "::located_child"),
            lines.0,
        ),
        (
            "located root",
            concat!(module_path!(), "::located_root"),
            lines.1,
        ),
        (
            "located_in_module",
            concat!(module_path!(), "::nested::deeper::located_in_module"),
            lines.2,
        ),
    ] {
        let span = spans.named(name);
        assert_eq!(attr(span, "code.function.name"), &s(function), "{name}");
        assert_eq!(attr(span, "code.file.path"), &s(file!()), "{name}");
        assert_eq!(
            attr(span, "code.line.number"),
            &Value::I64(i64::from(line)),
            "{name}: the line of the fn name"
        );
    }
    // `skip_all` skips arguments, never the code location.
    assert_eq!(user_attrs(spans.named("located root")), vec![]);
}

// ---------------------------------------------------------------------------------------------
// Arguments: every SpanValue type

#[child_span]
#[allow(clippy::too_many_arguments)]
fn integers(
    v_i8: i8,
    v_i16: i16,
    v_i32: i32,
    v_i64: i64,
    v_isize: isize,
    v_u8: u8,
    v_u16: u16,
    v_u32: u32,
    v_u64: u64,
    v_usize: usize,
) {
    let _ = (
        v_i8, v_i16, v_i32, v_i64, v_isize, v_u8, v_u16, v_u32, v_u64, v_usize,
    );
}

#[test]
fn every_integer_type_is_recorded_as_an_integer() {
    let ((), spans) = capture(|| integers(-8, -16, -32, i64::MIN, -64, 8, 16, 32, 64, 128));
    let span = spans.named("integers");
    for (key, value) in [
        ("v_i8", -8),
        ("v_i16", -16),
        ("v_i32", -32),
        ("v_i64", i64::MIN),
        ("v_isize", -64),
        ("v_u8", 8),
        ("v_u16", 16),
        ("v_u32", 32),
        ("v_u64", 64),
        ("v_usize", 128),
    ] {
        assert_eq!(attr(span, key), &Value::I64(value), "{key}");
    }
    // In argument order, nothing else.
    assert_eq!(
        user_keys(span),
        [
            "v_i8", "v_i16", "v_i32", "v_i64", "v_isize", "v_u8", "v_u16", "v_u32", "v_u64",
            "v_usize"
        ]
    );
}

#[child_span]
fn wide_integers(v_i128: i128, v_u128: u128) {
    let _ = (v_i128, v_u128);
}

/// "Implement it for all integer types": `i128` and `u128` are integer types too.
#[test]
fn i128_and_u128_are_recorded() {
    let ((), spans) = capture(|| wide_integers(-128, 128));
    let span = spans.named("wide_integers");
    assert_eq!(attr(span, "v_i128"), &Value::I64(-128));
    assert_eq!(attr(span, "v_u128"), &Value::I64(128));
}

#[child_span]
fn big_unsigned(above: u64, at_max: u64, max: u64, big_usize: usize) {
    let _ = (above, at_max, max, big_usize);
}

#[test]
fn u64_above_i64_max_is_recorded_as_a_string() {
    let above = i64::MAX as u64 + 1;
    let ((), spans) = capture(|| big_unsigned(above, i64::MAX as u64, u64::MAX, usize::MAX));
    let span = spans.named("big_unsigned");
    assert_eq!(attr(span, "above"), &s(&above.to_string()));
    assert_eq!(attr(span, "at_max"), &Value::I64(i64::MAX));
    assert_eq!(attr(span, "max"), &s("18446744073709551615"));
    assert_eq!(attr(span, "big_usize"), &s(&usize::MAX.to_string()));
}

#[child_span]
fn scalars(v_f32: f32, v_f64: f64, yes: bool, no: bool, letter: char, crab: char) {
    let _ = (v_f32, v_f64, yes, no, letter, crab);
}

#[test]
fn floats_bools_and_chars_are_recorded_with_their_types() {
    let ((), spans) = capture(|| scalars(1.5, -0.25, true, false, 'x', '🦀'));
    let span = spans.named("scalars");
    assert_eq!(attr(span, "v_f32"), &Value::F64(1.5));
    assert_eq!(attr(span, "v_f64"), &Value::F64(-0.25));
    assert_eq!(attr(span, "yes"), &Value::Bool(true));
    assert_eq!(attr(span, "no"), &Value::Bool(false));
    assert_eq!(attr(span, "letter"), &s("x"));
    assert_eq!(attr(span, "crab"), &s("🦀"));
}

#[child_span]
fn strings(
    v_str: &str,
    v_string: String,
    v_cow_borrowed: Cow<'_, str>,
    v_cow_owned: Cow<'static, str>,
    v_arc: Arc<str>,
    v_boxed: Box<str>,
    v_static: &'static str,
) {
    let _ = (
        v_str,
        v_string,
        v_cow_borrowed,
        v_cow_owned,
        v_arc,
        v_boxed,
        v_static,
    );
}

#[test]
fn string_types_are_recorded_as_strings() {
    let local = String::from("borrowed");
    let ((), spans) = capture(|| {
        strings(
            "a str",
            "a String".to_owned(),
            Cow::Borrowed(&local),
            Cow::Owned("owned".to_owned()),
            Arc::from("an Arc"),
            Box::from("a Box"),
            "",
        );
    });
    let span = spans.named("strings");
    assert_eq!(attr(span, "v_str"), &s("a str"));
    assert_eq!(attr(span, "v_string"), &s("a String"));
    assert_eq!(attr(span, "v_cow_borrowed"), &s("borrowed"));
    assert_eq!(attr(span, "v_cow_owned"), &s("owned"));
    assert_eq!(attr(span, "v_arc"), &s("an Arc"));
    assert_eq!(attr(span, "v_boxed"), &s("a Box"));
    assert_eq!(attr(span, "v_static"), &s(""));
}

#[child_span]
#[allow(clippy::ptr_arg, clippy::trivially_copy_pass_by_ref)]
fn references(
    r_u32: &u32,
    rr_str: &&str,
    r_string: &String,
    r_mut: &mut i64,
    r_bool: &bool,
    r_f64: &f64,
    r_arc: &Arc<str>,
) {
    *r_mut += 1;
    let _ = (r_u32, rr_str, r_string, r_bool, r_f64, r_arc);
}

#[test]
fn references_record_what_they_point_to() {
    let mut counter = 41_i64;
    let arc: Arc<str> = Arc::from("shared");
    let ((), spans) = capture(|| {
        references(
            &7,
            &"twice",
            &"string".to_owned(),
            &mut counter,
            &true,
            &2.5,
            &arc,
        );
    });
    assert_eq!(counter, 42);
    let span = spans.named("references");
    assert_eq!(attr(span, "r_u32"), &Value::I64(7));
    assert_eq!(attr(span, "rr_str"), &s("twice"));
    assert_eq!(attr(span, "r_string"), &s("string"));
    // Recorded when the span starts, before the body changes it.
    assert_eq!(attr(span, "r_mut"), &Value::I64(41));
    assert_eq!(attr(span, "r_bool"), &Value::Bool(true));
    assert_eq!(attr(span, "r_f64"), &Value::F64(2.5));
    assert_eq!(attr(span, "r_arc"), &s("shared"));
}

#[child_span]
#[allow(clippy::too_many_arguments)]
fn options(
    some_u16: Option<u16>,
    none_u16: Option<u16>,
    some_str: Option<&str>,
    none_string: Option<String>,
    some_ref: Option<&u64>,
    nested_none: Option<Option<bool>>,
    nested_some: Option<Option<bool>>,
    ref_option: &Option<i32>,
) {
    let _ = (
        some_u16,
        none_u16,
        some_str,
        none_string,
        some_ref,
        nested_none,
        nested_some,
        ref_option,
    );
}

#[test]
fn options_record_their_value_and_none_records_nothing() {
    let ((), spans) = capture(|| {
        options(
            Some(16),
            None,
            Some("there"),
            None,
            Some(&64),
            Some(None),
            Some(Some(true)),
            &None,
        );
    });
    let span = spans.named("options");
    assert_eq!(attr(span, "some_u16"), &Value::I64(16));
    assert_eq!(attr(span, "some_str"), &s("there"));
    assert_eq!(attr(span, "some_ref"), &Value::I64(64));
    assert_eq!(attr(span, "nested_some"), &Value::Bool(true));
    for key in ["none_u16", "none_string", "nested_none", "ref_option"] {
        no_attr(span, key);
    }
    assert_eq!(
        user_keys(span),
        ["some_u16", "some_str", "some_ref", "nested_some"]
    );
}

#[child_span]
fn addresses(v4: IpAddr, v6: IpAddr, plain_v4: Ipv4Addr, plain_v6: Ipv6Addr, peer: &IpAddr) {
    let _ = (v4, v6, plain_v4, plain_v6, peer);
}

#[test]
fn ip_addresses_are_recorded_in_their_text_form() {
    let ((), spans) = capture(|| {
        addresses(
            IpAddr::from([127, 0, 0, 1]),
            "2001:db8::1".parse().unwrap(),
            Ipv4Addr::new(10, 1, 2, 3),
            Ipv6Addr::LOCALHOST,
            &IpAddr::from([192, 168, 0, 1]),
        );
    });
    let span = spans.named("addresses");
    assert_eq!(attr(span, "v4"), &s("127.0.0.1"));
    assert_eq!(attr(span, "v6"), &s("2001:db8::1"));
    assert_eq!(attr(span, "plain_v4"), &s("10.1.2.3"));
    assert_eq!(attr(span, "plain_v6"), &s("::1"));
    assert_eq!(attr(span, "peer"), &s("192.168.0.1"));
}

/// A user type made a `SpanValue`, as the `SpanValue` docs show.
struct OrderId(u64);

impl traced::SpanValue for OrderId {
    fn span_value(&self) -> Option<traced::Value<'_>> {
        Some(traced::Value::U64(self.0))
    }
}

/// A user type that records a borrowed string, or nothing.
struct Tenant {
    name: String,
    hidden: bool,
}

impl traced::SpanValue for Tenant {
    fn span_value(&self) -> Option<traced::Value<'_>> {
        (!self.hidden).then_some(traced::Value::Str(&self.name))
    }
}

#[child_span]
fn user_types(
    order: OrderId,
    tenant: &Tenant,
    hidden_tenant: Tenant,
    maybe_order: Option<OrderId>,
) {
    let _ = (order, tenant, hidden_tenant, maybe_order);
}

#[test]
fn user_types_implementing_span_value_are_recorded() {
    let tenant = Tenant {
        name: "acme".to_owned(),
        hidden: false,
    };
    let hidden = Tenant {
        name: "hidden".to_owned(),
        hidden: true,
    };
    let ((), spans) = capture(|| user_types(OrderId(7), &tenant, hidden, Some(OrderId(8))));
    let span = spans.named("user_types");
    assert_eq!(attr(span, "order"), &Value::I64(7));
    assert_eq!(attr(span, "tenant"), &s("acme"));
    assert_eq!(attr(span, "maybe_order"), &Value::I64(8));
    no_attr(span, "hidden_tenant");
}

/// Not a `SpanValue`, but `Debug` and `Display`: still not recorded unless in `fields`.
#[derive(Debug)]
struct Client {
    url: String,
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url)
    }
}

#[child_span]
#[allow(clippy::too_many_arguments)]
fn other_arguments(
    client: &Client,
    owned_client: Client,
    bytes: Vec<u8>,
    map: HashMap<String, String>,
    pair: (u32, u32),
    addr: SocketAddr,
    callback: fn() -> u8,
    kept: u8,
) {
    let _ = (
        client,
        owned_client,
        bytes,
        map,
        pair,
        addr,
        callback(),
        kept,
    );
}

#[test]
fn arguments_that_are_not_span_values_are_not_recorded() {
    let client = Client {
        url: "postgres://db".to_owned(),
    };
    let ((), spans) = capture(|| {
        other_arguments(
            &client,
            Client {
                url: "x".to_owned(),
            },
            vec![1, 2],
            HashMap::from([("k".to_owned(), "v".to_owned())]),
            (1, 2),
            "127.0.0.1:80".parse().unwrap(),
            || 1,
            9,
        );
    });
    let span = spans.named("other_arguments");
    assert_eq!(user_attrs(span), vec![("kept".to_owned(), Value::I64(9))]);
}

// ---------------------------------------------------------------------------------------------
// skip, skip_all

#[child_span(skip(b, d))]
fn skips(a: u32, b: u32, c: &str, d: &str) {
    let _ = (a, b, c, d);
}

#[child_span(skip_all)]
fn skips_all(a: u32, b: &str, c: bool) {
    let _ = (a, b, c);
}

#[child_span(skip_all, fields(extra = 5_i64))]
fn skips_all_but_fields(a: u32) {
    let _ = a;
}

#[test]
fn skip_and_skip_all_leave_arguments_out() {
    let ((), spans) = capture(|| {
        skips(1, 2, "c", "d");
        skips_all(1, "b", true);
        skips_all_but_fields(1);
    });
    assert_eq!(
        user_attrs(spans.named("skips")),
        vec![("a".to_owned(), Value::I64(1)), ("c".to_owned(), s("c"))]
    );
    assert_eq!(user_attrs(spans.named("skips_all")), vec![]);
    assert_eq!(
        user_attrs(spans.named("skips_all_but_fields")),
        vec![("extra".to_owned(), Value::I64(5))]
    );
}

// ---------------------------------------------------------------------------------------------
// Secrets

#[child_span]
#[allow(clippy::too_many_arguments)]
fn secrets(
    password: &str,
    passwd: &str,
    secret: &str,
    token: &str,
    api_key: &str,
    apikey: &str,
    auth: &str,
    authorization: &str,
    credential: &str,
    credentials: &str,
    private_key: &str,
    cookie: &str,
    session: &str,
    user: &str,
) {
    let _ = (
        password,
        passwd,
        secret,
        token,
        api_key,
        apikey,
        auth,
        authorization,
        credential,
        credentials,
        private_key,
        cookie,
        session,
        user,
    );
}

#[child_span]
#[allow(clippy::too_many_arguments)]
fn secret_looking(
    db_password: &str,
    client_secret: String,
    access_token: Option<&str>,
    refresh_token_id: u64,
    auth_header: &str,
    session_id: u64,
    set_cookie: &str,
    author: &str,
) {
    let _ = (
        db_password,
        client_secret,
        access_token,
        refresh_token_id,
        auth_header,
        session_id,
        set_cookie,
        author,
    );
}

#[test]
fn arguments_named_like_secrets_are_never_recorded() {
    let ((), spans) = capture(|| {
        secrets(
            "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13",
            "alice",
        );
        secret_looking(
            "p1",
            "p2".to_owned(),
            Some("p3"),
            4,
            "p5",
            6,
            "p7",
            "tolkien",
        );
    });
    assert_eq!(
        user_attrs(spans.named("secrets")),
        vec![("user".to_owned(), s("alice"))]
    );
    assert_eq!(
        user_attrs(spans.named("secret_looking")),
        vec![("author".to_owned(), s("tolkien"))]
    );
}

#[child_span(fields(password))]
fn listed_secret(password: &str, token: &str) {
    let _ = (password, token);
}

#[child_span(skip_all, fields(token, cookie = %cookie, api_key = ?api_key))]
fn listed_secrets_with_skip_all(token: &str, cookie: &str, api_key: u32, session: u64) {
    let _ = (token, cookie, api_key, session);
}

#[test]
fn a_secret_listed_explicitly_in_fields_is_recorded() {
    let ((), spans) = capture(|| {
        listed_secret("hunter2", "tok");
        listed_secrets_with_skip_all("tok", "chocolate", 42, 7);
    });
    assert_eq!(
        user_attrs(spans.named("listed_secret")),
        vec![("password".to_owned(), s("hunter2"))],
        "only the listed secret"
    );
    let span = spans.named("listed_secrets_with_skip_all");
    assert_eq!(attr(span, "token"), &s("tok"));
    assert_eq!(attr(span, "cookie"), &s("chocolate"));
    assert_eq!(attr(span, "api_key"), &s("42"));
    no_attr(span, "session");
}

// ---------------------------------------------------------------------------------------------
// fields

#[child_span(fields(
    constant = 7_u32,
    computed = name.len(),
    "dotted.key" = "quoted",
    db.system = "postgres",
    shown = %client,
    debugged = ?client,
    listed = ?pair,
    flag = true,
    ratio = 0.5_f64,
    maybe = None::<u8>,
    name
))]
fn with_fields(name: &str, client: &Client, pair: (u8, u8)) {
    let _ = (name, client, pair);
}

#[test]
fn fields_add_typed_display_debug_and_dotted_attributes() {
    let client = Client {
        url: "postgres://db".to_owned(),
    };
    let ((), spans) = capture(|| with_fields("orders", &client, (1, 2)));
    let span = spans.named("with_fields");
    assert_eq!(attr(span, "constant"), &Value::I64(7));
    assert_eq!(attr(span, "computed"), &Value::I64(6));
    assert_eq!(attr(span, "dotted.key"), &s("quoted"));
    assert_eq!(attr(span, "db.system"), &s("postgres"));
    assert_eq!(attr(span, "shown"), &s("postgres://db"));
    assert_eq!(
        attr(span, "debugged"),
        &s(r#"Client { url: "postgres://db" }"#)
    );
    assert_eq!(attr(span, "listed"), &s("(1, 2)"));
    assert_eq!(attr(span, "flag"), &Value::Bool(true));
    assert_eq!(attr(span, "ratio"), &Value::F64(0.5));
    no_attr(span, "maybe");
    assert_eq!(attr(span, "name"), &s("orders"));
    // `name` is recorded once even though it is both an argument and a field; `client` and
    // `pair` only through their fields.
    let keys = user_keys(span);
    assert_eq!(keys.iter().filter(|k| *k == "name").count(), 1, "{keys:?}");
    for key in ["client", "pair"] {
        no_attr(span, key);
    }
}

#[child_span(fields(id = id * 2))]
fn field_replaces_argument(id: u64) {
    let _ = id;
}

#[test]
fn a_field_named_like_an_argument_replaces_it() {
    let ((), spans) = capture(|| field_replaces_argument(21));
    let span = spans.named("field_replaces_argument");
    assert_eq!(user_attrs(span), vec![("id".to_owned(), Value::I64(42))]);
}

// ---------------------------------------------------------------------------------------------
// Limits: long strings are cut at a char boundary

#[child_span(fields(shown = %long, debugged = ?short))]
fn long_values(long: &str, accented: String, crabs: Cow<'_, str>, shared: Arc<str>, short: &str) {
    let _ = (long, accented, crabs, shared, short);
}

#[test]
fn long_strings_are_cut_at_a_char_boundary() {
    let capture = Capture::with_limits(traced::Limits {
        attribute_value_length: 8,
        attribute_count: 128,
    });
    long_values(
        "0123456789abcdef",
        "héllo wörld".to_owned(),
        Cow::Borrowed("🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀"),
        Arc::from("ééééééééé"),
        "quotes",
    );
    let spans = capture.finish();
    let span = spans.named("long_values");
    assert_eq!(attr(span, "long"), &s("01234567"));
    assert_eq!(attr(span, "accented"), &s("héllo wö"));
    assert_eq!(attr(span, "crabs"), &s("🦀🦀🦀🦀🦀🦀🦀🦀"));
    assert_eq!(attr(span, "shared"), &s("éééééééé"));
    assert_eq!(attr(span, "shown"), &s("01234567"));
    // Debug of "quotes" is `"quotes"`, 8 characters: kept whole.
    assert_eq!(attr(span, "debugged"), &s("\"quotes\""));
}

// ---------------------------------------------------------------------------------------------
// Root vs child

#[root_span]
fn outer_root() -> (Option<traced::SpanId>, Option<traced::SpanId>) {
    middle_child()
}

#[child_span]
fn middle_child() -> (Option<traced::SpanId>, Option<traced::SpanId>) {
    let inside = inner_root();
    // Back in the child once the inner root has ended.
    let after = traced::current_span_id();
    after_inner_root();
    (inside, after)
}

#[root_span]
fn inner_root() -> Option<traced::SpanId> {
    under_inner_root();
    traced::current_span_id()
}

#[child_span]
fn under_inner_root() {}

#[child_span]
fn after_inner_root() {}

#[test]
fn a_root_span_inside_a_child_span_starts_a_new_trace() {
    let ((inside, after), spans) = capture(outer_root);
    assert_eq!(spans.len(), 5, "{spans:?}");
    let outer = spans.named("outer_root");
    let middle = spans.named("middle_child");
    let inner = spans.named("inner_root");
    let under = spans.named("under_inner_root");
    let after_span = spans.named("after_inner_root");

    assert_eq!(outer.parent_span_id, None);
    assert_eq!(middle.parent_span_id, Some(outer.span_id));
    assert_eq!(middle.trace_id, outer.trace_id);

    assert_eq!(inner.parent_span_id, None, "a root has no parent");
    assert_ne!(inner.trace_id, outer.trace_id, "a root starts a new trace");
    assert!(inner.links.is_empty());
    assert_eq!(
        inside,
        Some(inner.span_id),
        "the root is current in its body"
    );
    assert_eq!(under.parent_span_id, Some(inner.span_id));
    assert_eq!(under.trace_id, inner.trace_id);

    assert_eq!(after, Some(middle.span_id), "the child is current again");
    assert_eq!(after_span.parent_span_id, Some(middle.span_id));
    assert_eq!(after_span.trace_id, outer.trace_id);
}

#[test]
fn a_root_span_inside_a_manual_span_starts_a_new_trace() {
    let (_, spans) = capture(|| {
        let _manual = traced::Span::root("manual").enter();
        inner_root()
    });
    let manual = spans.named("manual");
    let inner = spans.named("inner_root");
    assert_eq!(inner.parent_span_id, None);
    assert_ne!(inner.trace_id, manual.trace_id);
}

#[child_span]
fn lonely_child() -> Option<traced::TraceId> {
    under_lonely_child();
    traced::current_trace_id()
}

#[child_span]
fn under_lonely_child() {}

#[test]
fn a_child_span_without_a_current_span_is_a_root() {
    assert_eq!(traced::current_span_id(), None);
    let (trace, spans) = capture(lonely_child);
    let lonely = spans.named("lonely_child");
    let under = spans.named("under_lonely_child");
    assert_eq!(lonely.parent_span_id, None);
    assert_eq!(trace, Some(lonely.trace_id));
    assert_ne!(lonely.trace_id.to_string(), "0".repeat(32));
    assert_ne!(lonely.span_id.to_string(), "0".repeat(16));
    assert_eq!(under.parent_span_id, Some(lonely.span_id));
    assert_eq!(under.trace_id, lonely.trace_id);
    assert_eq!(traced::current_span_id(), None, "nothing left current");
}

#[test]
fn sibling_roots_get_distinct_traces_and_ids() {
    let ((), spans) = capture(|| {
        for _ in 0..50 {
            default_root_name();
        }
    });
    let roots: Vec<_> = spans.all_named("default_root_name").collect();
    assert_eq!(roots.len(), 50);
    let traces: std::collections::HashSet<_> = roots.iter().map(|s| s.trace_id).collect();
    let ids: std::collections::HashSet<_> = roots.iter().map(|s| s.span_id).collect();
    assert_eq!(traces.len(), 50);
    assert_eq!(ids.len(), 50);
}

// ---------------------------------------------------------------------------------------------
// parent = carrier

// Each runs a child, so the carrier's span is the parent of the root and the root the parent
// of what runs inside.

#[root_span(parent = carrier)]
fn parent_str(carrier: &str) {
    in_continued_trace();
}

#[root_span(parent = carrier)]
fn parent_string(carrier: String) {
    in_continued_trace();
}

#[root_span(parent = carrier)]
fn parent_option(carrier: Option<String>) {
    in_continued_trace();
}

#[root_span(parent = headers)]
fn parent_header_map(headers: &http::HeaderMap) {
    in_continued_trace();
}

#[root_span(parent = headers)]
fn parent_hash_map(headers: &HashMap<String, String>) {
    in_continued_trace();
}

#[root_span(parent = headers)]
fn parent_btree_map(headers: BTreeMap<String, String>) {
    in_continued_trace();
}

#[root_span(parent = message)]
fn parent_json_value(message: &serde_json::Value) {
    in_continued_trace();
}

#[root_span(parent = message)]
fn parent_json_map(message: &serde_json::Map<String, serde_json::Value>) {
    in_continued_trace();
}

struct Message {
    headers: HashMap<String, String>,
    body: String,
}

#[root_span(kind = consumer, parent = msg.headers, fields(size = msg.body.len()))]
fn parent_field(msg: &Message) {
    in_continued_trace();
}

#[child_span]
fn in_continued_trace() {}

fn header_map(traceparent: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert("traceparent", traceparent.parse().unwrap());
    headers.insert("tracestate", "congo=t61rcWkgMzE".parse().unwrap());
    headers
}

fn string_map<M: FromIterator<(String, String)>>(traceparent: &str) -> M {
    [("traceparent".to_owned(), traceparent.to_owned())]
        .into_iter()
        .collect()
}

fn json_message(traceparent: &str) -> serde_json::Value {
    serde_json::json!({ "traceparent": traceparent, "body": "x" })
}

#[test]
fn parent_keeps_the_carriers_trace_with_the_carriers_span_as_parent() {
    let json = json_message(TRACEPARENT);
    let ((), spans) = capture(|| {
        parent_str(TRACEPARENT);
        parent_string(TRACEPARENT.to_owned());
        parent_option(Some(TRACEPARENT.to_owned()));
        parent_header_map(&header_map(TRACEPARENT));
        parent_hash_map(&string_map(TRACEPARENT));
        parent_btree_map(string_map(TRACEPARENT));
        parent_json_value(&json);
        parent_json_map(json.as_object().unwrap());
        parent_field(&Message {
            headers: string_map(TRACEPARENT),
            body: "hello".to_owned(),
        });
    });
    for name in [
        "parent_str",
        "parent_string",
        "parent_option",
        "parent_header_map",
        "parent_hash_map",
        "parent_btree_map",
        "parent_json_value",
        "parent_json_map",
        "parent_field",
    ] {
        let span = spans.named(name);
        assert_eq!(span.trace_id.to_string(), TRACE_ID, "{name}");
        assert_eq!(
            span.parent_span_id.map(|id| id.to_string()).as_deref(),
            Some(PARENT_ID),
            "{name}"
        );
        assert!(span.parent_is_remote, "{name}");
        assert_ne!(
            span.span_id.to_string(),
            PARENT_ID,
            "{name}: a span of its own"
        );
        assert!(span.links.is_empty(), "{name}");
        let children: Vec<_> = spans.children_of(span).collect();
        assert_eq!(children.len(), 1, "{name}");
        assert_eq!(children[0].name, "in_continued_trace");
        assert_eq!(children[0].trace_id.to_string(), TRACE_ID, "{name}");
        assert!(!children[0].parent_is_remote, "{name}");
    }
    let field = spans.named("parent_field");
    assert_eq!(field.kind, SpanKind::Consumer);
    assert_eq!(attr(field, "size"), &Value::I64(5));
}

#[root_span(parent = carrier)]
fn parent_of_each_call(carrier: &str) {}

#[test]
fn the_carrier_is_read_at_each_call() {
    let other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let ((), spans) = capture(|| {
        parent_of_each_call(TRACEPARENT);
        parent_of_each_call(other);
    });
    let traces: Vec<_> = spans
        .all_named("parent_of_each_call")
        .map(|s| s.trace_id.to_string())
        .collect();
    assert_eq!(traces.len(), 2);
    assert!(traces.contains(&TRACE_ID.to_owned()), "{traces:?}");
    assert!(
        traces.contains(&"0af7651916cd43dd8448eb211c80319c".to_owned()),
        "{traces:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// link = carrier

#[root_span(link = carrier)]
fn link_str(carrier: &str) {
    in_linked_trace();
}

#[root_span(link = carrier)]
fn link_option(carrier: Option<&str>) {
    in_linked_trace();
}

#[root_span(link = headers)]
fn link_header_map(headers: &http::HeaderMap) {
    in_linked_trace();
}

#[root_span(link = headers)]
fn link_hash_map(headers: &HashMap<String, String>) {
    in_linked_trace();
}

#[root_span(kind = consumer, link = batch.first().map(|m| &m.headers))]
fn link_first(batch: &[Message]) -> usize {
    in_linked_trace();
    batch.len()
}

#[root_span(link = message)]
fn link_json(message: &serde_json::Value) {
    in_linked_trace();
}

#[child_span]
fn in_linked_trace() {}

#[test]
fn link_gives_a_new_trace_with_a_link_to_the_carrier() {
    let batch = [Message {
        headers: string_map(TRACEPARENT),
        body: String::new(),
    }];
    let ((), spans) = capture(|| {
        link_str(TRACEPARENT);
        link_option(Some(TRACEPARENT));
        link_header_map(&header_map(TRACEPARENT));
        link_hash_map(&string_map(TRACEPARENT));
        assert_eq!(link_first(&batch), 1);
        link_json(&json_message(TRACEPARENT));
    });
    for name in [
        "link_str",
        "link_option",
        "link_header_map",
        "link_hash_map",
        "link_first",
        "link_json",
    ] {
        let span = spans.named(name);
        assert_ne!(span.trace_id.to_string(), TRACE_ID, "{name}: a new trace");
        assert_eq!(span.parent_span_id, None, "{name}");
        assert_eq!(span.links.len(), 1, "{name}");
        assert_eq!(span.links[0].trace_id.to_string(), TRACE_ID, "{name}");
        assert_eq!(span.links[0].span_id.to_string(), PARENT_ID, "{name}");
        let children: Vec<_> = spans.children_of(span).collect();
        assert_eq!(children.len(), 1, "{name}");
        assert_eq!(children[0].trace_id, span.trace_id, "{name}");
        assert!(children[0].links.is_empty(), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// Missing or malformed carriers

const MALFORMED: &[&str] = &[
    "",
    "garbage",
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero span id
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // version ff
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // extra part in version 00
    "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // short trace id
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",  // short span id
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",  // short flags
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba9g2b7-01", // not hex
    "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", // wrong separator
];

#[track_caller]
fn assert_fresh(span: &CapturedSpan, what: &str) {
    assert_eq!(span.parent_span_id, None, "{what}: no parent");
    assert!(span.links.is_empty(), "{what}: no link");
    assert!(!span.parent_is_remote, "{what}");
    assert_ne!(span.trace_id.to_string(), TRACE_ID, "{what}");
    assert_ne!(span.trace_id.to_string(), "0".repeat(32), "{what}");
    assert!(!span.is_error(), "{what}: not an error");
    assert!(span.events.is_empty(), "{what}: no event");
}

#[test]
fn a_missing_or_malformed_parent_carrier_gives_a_fresh_trace() {
    let ((), spans) = capture(|| {
        for malformed in MALFORMED {
            parent_str(malformed);
        }
        parent_option(None);
        parent_header_map(&http::HeaderMap::new());
        parent_hash_map(&HashMap::new());
        parent_btree_map(BTreeMap::from([(
            "traceparent".to_owned(),
            "garbage".to_owned(),
        )]));
        parent_json_value(&serde_json::Value::Null);
        parent_json_value(&serde_json::json!([TRACEPARENT]));
        parent_json_value(&serde_json::json!({ "traceparent": 42 }));
        parent_json_value(&serde_json::Value::String(TRACEPARENT.to_owned()));
        parent_json_map(&serde_json::Map::new());
    });
    let expected = MALFORMED.len() + 9;
    let roots: Vec<_> = spans
        .all()
        .iter()
        .filter(|s| s.name != "in_continued_trace")
        .collect();
    assert_eq!(roots.len(), expected, "{spans:?}");
    for span in roots {
        assert_fresh(span, &format!("{} {:?}", span.name, span.attr("carrier")));
        let children: Vec<_> = spans.children_of(span).collect();
        assert_eq!(children.len(), 1, "{}", span.name);
        assert_eq!(children[0].trace_id, span.trace_id);
    }
    let traces: std::collections::HashSet<_> = spans.all().iter().map(|s| s.trace_id).collect();
    assert_eq!(traces.len(), expected, "each fresh trace is its own");
}

#[test]
fn a_missing_or_malformed_link_carrier_gives_a_fresh_trace_without_a_link() {
    let ((), spans) = capture(|| {
        for malformed in MALFORMED {
            link_str(malformed);
        }
        link_option(None);
        link_header_map(&http::HeaderMap::new());
        link_hash_map(&HashMap::new());
        assert_eq!(link_first(&[]), 0);
        link_json(&serde_json::json!({}));
    });
    let roots: Vec<_> = spans
        .all()
        .iter()
        .filter(|s| s.name != "in_linked_trace")
        .collect();
    assert_eq!(roots.len(), MALFORMED.len() + 5, "{spans:?}");
    for span in roots {
        assert_fresh(span, &format!("{} {:?}", span.name, span.attr("carrier")));
    }
}
