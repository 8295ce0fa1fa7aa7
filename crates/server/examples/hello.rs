//! A bare axum hello-world on the same runtime as `taper serve`: the limit `scripts/bench-http`
//! measures Taper's pages against, in the same run on the same machine (issue 21). Prints the
//! address it listens on, then serves until killed.

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("{}", listener.local_addr()?);
    let app = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    axum::serve(listener, app).await
}
