//! Methods with every receiver, `Self` in arguments and returns, associated fns, and borrows
//! handed out of `&self` and `&mut self`.

use traced::child_span;

#[derive(Debug, Clone, PartialEq)]
struct Account {
    name: String,
    balance: i64,
}

impl Account {
    #[child_span]
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            balance: 0,
        }
    }

    #[child_span]
    fn name(&self) -> &str {
        &self.name
    }

    #[child_span]
    fn name_mut(&mut self) -> &mut String {
        &mut self.name
    }

    #[child_span(fields(amount))]
    fn deposit(&mut self, amount: i64) -> Result<i64, String> {
        if amount <= 0 {
            return Err(format!("cannot deposit {amount}"));
        }
        self.balance += amount;
        Ok(self.balance)
    }

    #[child_span(skip(self))]
    fn into_name(self) -> String {
        self.name
    }

    #[child_span]
    fn merge(self: Box<Self>, other: Self) -> Self {
        Self {
            name: self.name,
            balance: self.balance + other.balance,
        }
    }

    #[child_span]
    fn richer<'a>(&'a self, other: &'a Account) -> &'a Account {
        if other.balance > self.balance { other } else { self }
    }
}

fn main() {
    let mut account = Account::new("alice");
    account.name_mut().push('!');
    assert_eq!(account.name(), "alice!");
    assert_eq!(account.deposit(5), Ok(5));
    assert!(account.deposit(-1).is_err());
    let other = Account::new("bob");
    assert_eq!(account.richer(&other).name, "alice!");
    let merged = Box::new(account.clone()).merge(other);
    assert_eq!(merged.balance, 5);
    assert_eq!(account.into_name(), "alice!");
}
