//! Modules that shadow `core`, `std` and `traced`, and user items named like the generated
//! ones, do not capture the generated paths.

mod core {}
mod std {}
mod traced {}

#[allow(dead_code)]
static __TRACED_META: u8 = 0;

#[::traced::root_span(fields(n))]
fn sync_root(n: u8) -> ::core::result::Result<u8, ::std::string::String> {
    let __traced_span = 1_u8;
    let __traced_ret = n + __traced_span;
    Ok(__traced_ret)
}

#[::traced::child_span]
async fn async_child(n: u8) -> ::core::option::Option<u8> {
    let __traced_ret = n;
    Some(__traced_ret)
}

#[::traced::child_span]
fn returns_impl_future(n: u8) -> impl ::core::future::Future<Output = u8> {
    async move { n }
}

fn main() {
    assert_eq!(sync_root(1), Ok(2));
    let runtime = ::tokio::runtime::Builder::new_current_thread().build();
    let Ok(runtime) = runtime else {
        return;
    };
    assert_eq!(runtime.block_on(async_child(2)), Some(2));
    assert_eq!(runtime.block_on(returns_impl_future(3)), 3);
}
