//! Fns returning `impl Future`: the body runs at the call, as written (so a `'static` future
//! may be built from `&self`), and the span covers the future it returns.

use std::future::Future;

use traced::child_span;

struct Client {
    base: String,
}

impl Client {
    #[child_span]
    fn fetch(&self, path: &str) -> impl Future<Output = Result<String, String>> + Send + 'static {
        let url = format!("{}{path}", self.base);
        async move {
            tokio::task::yield_now().await;
            if url.ends_with('/') {
                return Err(format!("{url} is a directory"));
            }
            Ok(url)
        }
    }
}

#[child_span(fields(n))]
fn double(n: u32) -> impl Future<Output = u32> {
    if n == 0 {
        return std::future::ready(0);
    }
    std::future::ready(n * 2)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Client {
        base: "http://a/".to_owned(),
    };
    let future = client.fetch("b");
    drop(client);
    assert_eq!(tokio::spawn(future).await.ok(), Some(Ok("http://a/b".to_owned())));
    assert_eq!(double(2).await, 4);
    assert_eq!(double(0).await, 0);
}
