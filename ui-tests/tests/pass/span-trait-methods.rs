//! Default methods in traits, sync and native `async fn`, and their implementations.

use traced::child_span;

trait Greeter {
    fn name(&self) -> String;

    #[child_span]
    fn greet(&self, greeting: &str) -> String {
        format!("{greeting}, {}", self.name())
    }

    #[child_span]
    async fn greet_later(&self, greeting: &str) -> String {
        tokio::task::yield_now().await;
        self.greet(greeting)
    }

    #[child_span]
    fn shout(self) -> String
    where
        Self: Sized,
    {
        self.name().to_uppercase()
    }
}

struct World;

impl Greeter for World {
    #[child_span]
    fn name(&self) -> String {
        "world".to_owned()
    }

    #[child_span]
    async fn greet_later(&self, greeting: &str) -> String {
        format!("{greeting}, later")
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(World.greet("hello"), "hello, world");
    assert_eq!(World.greet_later("bye").await, "bye, later");
    assert_eq!(World.shout(), "WORLD");
}
