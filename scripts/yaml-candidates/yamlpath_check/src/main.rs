fn main() {
    let p = std::env::args().nth(1).unwrap();
    let s = std::fs::read_to_string(&p).unwrap();
    match yamlpath::Document::new(s) {
        Ok(d) => println!("ok: top_feature = {:?}", d.top_feature().map(|f| f.location.byte_span)),
        Err(e) => println!("err: {e} {e:?}"),
    }
}
