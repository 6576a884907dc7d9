//! What methods and status codes mean (RFC 9110 §9, §15).

use crate::notes::Lang;

/// What a method asks for (RFC 9110 §9.3).
pub(super) fn method_meaning(m: &str, lang: Lang) -> &'static str {
    match (m, lang) {
        ("GET", Lang::En) => "GET asks for a representation of the target; it is safe and idempotent, so it may be cached and retried",
        ("GET", Lang::Zh) => "GET 请求目标资源的表示；它是安全且幂等的，可以被缓存和重试",
        ("HEAD", Lang::En) => "HEAD is GET without the body: only the headers come back",
        ("HEAD", Lang::Zh) => "HEAD 与 GET 相同但没有响应体：只返回首部",
        ("POST", Lang::En) => "POST sends data in the body for the target to process; it may change state and is not retried automatically",
        ("POST", Lang::Zh) => "POST 在请求体中提交数据由目标处理；它可能改变状态，不会被自动重试",
        ("PUT", Lang::En) => "PUT replaces the target with the body",
        ("PUT", Lang::Zh) => "PUT 用请求体替换目标资源",
        ("DELETE", Lang::En) => "DELETE removes the target",
        ("DELETE", Lang::Zh) => "DELETE 删除目标资源",
        ("OPTIONS", Lang::En) => "OPTIONS asks which methods and features the target supports",
        ("OPTIONS", Lang::Zh) => "OPTIONS 询问目标支持哪些方法和特性",
        ("CONNECT", Lang::En) => "CONNECT asks a proxy to open a tunnel",
        ("CONNECT", Lang::Zh) => "CONNECT 请求代理建立隧道",
        (_, Lang::En) => "a request method",
        (_, Lang::Zh) => "一种请求方法",
    }
}

/// A request's meaning; a GET that asks to Upgrade is a protocol switch,
/// not a fetch to cache (RFC 9110 §7.8).
pub(super) fn request_meaning(m: &str, upgrade: Option<&str>, lang: Lang) -> String {
    match (m, upgrade, lang) {
        ("GET", Some(u), Lang::En) => format!(
            "GET with Upgrade: {u} asks the server to switch this connection to another protocol; a 101 answer is not a resource and is never cached"
        ),
        ("GET", Some(u), Lang::Zh) => {
            format!("带 Upgrade: {u} 的 GET 请求服务器把这个连接切换到另一种协议；101 响应不是资源，也不会被缓存")
        }
        _ => method_meaning(m, lang).to_string(),
    }
}

/// What a response means for the request it answers (RFC 9110 §9.3,
/// §15.3.1): a HEAD response has no body, a 2xx to CONNECT opens a tunnel,
/// a 200 to POST carries the result of processing.
pub(super) fn response_meaning(code: u16, method: Option<&str>, lang: Lang) -> &'static str {
    match (method, code, lang) {
        (Some("HEAD"), 200..=299, Lang::En) => "success: the headers are those a GET would return; a response to HEAD has no body (RFC 9110 §9.3.2)",
        (Some("HEAD"), 200..=299, Lang::Zh) => "成功：首部与 GET 会得到的相同；对 HEAD 的响应没有响应体（RFC 9110 §9.3.2）",
        (Some("CONNECT"), 200..=299, Lang::En) => "the tunnel is open: from now on the connection carries the client's bytes to the target unchanged (RFC 9110 §9.3.6)",
        (Some("CONNECT"), 200..=299, Lang::Zh) => "隧道已建立：此后这个连接原样转发客户端与目标之间的字节（RFC 9110 §9.3.6）",
        (Some("POST"), 200, Lang::En) => "OK: the body is the result of processing the submitted data (RFC 9110 §15.3.1)",
        (Some("POST"), 200, Lang::Zh) => "成功：响应体是处理所提交数据的结果（RFC 9110 §15.3.1）",
        _ => status_meaning(code, lang),
    }
}

/// What a status code means (RFC 9110 §15).
pub(super) fn status_meaning(code: u16, lang: Lang) -> &'static str {
    match (code, lang) {
        (101, Lang::En) => {
            "switching protocols: the connection now speaks the protocol named in Upgrade"
        }
        (101, Lang::Zh) => "切换协议：连接改用 Upgrade 中指定的协议",
        (200, Lang::En) => "OK: the body is the requested resource",
        (200, Lang::Zh) => "成功：响应体就是所请求的资源",
        (201, Lang::En) => "created: the request made a new resource, which a Location header names when present (RFC 9110 §15.3.2)",
        (201, Lang::Zh) => "已创建：请求生成了一个新资源，若有 Location 首部则由它给出地址（RFC 9110 §15.3.2）",
        (204, Lang::En) => "no content",
        (204, Lang::Zh) => "无内容",
        (206, Lang::En) => "partial content: a byte range",
        (206, Lang::Zh) => "部分内容：一个字节范围",
        (301, Lang::En) => "moved permanently: use the Location from now on (and it may be cached)",
        (301, Lang::Zh) => "永久移动：今后使用 Location 中的地址（可以被缓存）",
        (302, Lang::En) => "found: a temporary redirect to Location",
        (302, Lang::Zh) => "临时重定向到 Location",
        (303, Lang::En) => "see other: fetch Location with GET",
        (303, Lang::Zh) => "查看其他位置：用 GET 获取 Location",
        (304, Lang::En) => "not modified: the cached copy is still good",
        (304, Lang::Zh) => "未修改：缓存的副本仍然有效",
        (307, Lang::En) => "temporary redirect, keeping the method",
        (307, Lang::Zh) => "临时重定向，保持请求方法不变",
        (308, Lang::En) => "permanent redirect, keeping the method",
        (308, Lang::Zh) => "永久重定向，保持请求方法不变",
        (404, Lang::En) => "not found: the server has nothing at this target (a client error, RFC 9110 §15.5.5)",
        (404, Lang::Zh) => "未找到：服务器在这个目标上没有资源（属于客户端错误，RFC 9110 §15.5.5）",
        (400..=499, Lang::En) => "a client error",
        (400..=499, Lang::Zh) => "客户端错误",
        (500..=599, Lang::En) => "a server error",
        (500..=599, Lang::Zh) => "服务器错误",
        (_, Lang::En) => "see RFC 9110 §15",
        (_, Lang::Zh) => "见 RFC 9110 §15",
    }
}
