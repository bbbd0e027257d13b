//! Inner attributes of the body still apply to it.

#[traced::traced_service]
fn main() {
    #![allow(unused_variables)]
    let unused = 1;
}
