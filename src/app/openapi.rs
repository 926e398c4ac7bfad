//! OpenAPI 3 and Swagger 2 specifications as connexion serves them: every operation with the
//! function its `operationId` names, the parameters connexion passes to that function, and the
//! security it requires.
//!
//! A specification is read into a loose tree (scalars as text, maps in their order), so that
//! any well-formed YAML or JSON document is read whatever it holds besides what is asked of it.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// HTTP methods an OpenAPI path item may hold, in the order they are listed.
const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// `$ref`s followed at most, one into another (a cycle guard).
const MAX_REFS: usize = 8;

/// One operation of a specification.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Operation {
    /// Upper case.
    pub method: String,
    /// The path as the specification writes it (`/users/{user_id}`), under the base path.
    pub path: String,
    /// The dotted name of the function that serves it (`api.users.get_user`), after the
    /// router controller and the resolver.
    pub function: String,
    /// The line of its `operationId` (else of its method) in the specification.
    pub line: usize,
    /// What connexion passes to the function from the request: path, query and form
    /// parameters and the body, by the names the specification gives them.
    pub params: Vec<Parameter>,
    pub security: Security,
}

/// A value connexion passes to the operation's function.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Parameter {
    /// As the specification writes it (`userId`), or the body's argument (`body`).
    pub name: String,
    /// Validated or converted before the function sees it: a number, a boolean, a UUID, a date,
    /// or one of an `enum`'s values.
    pub typed: bool,
}

/// What an operation requires of the caller.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Security {
    /// No security requirement applies (or one alternative is the empty requirement `{}`).
    Open,
    /// `security: []` on the operation: public on purpose.
    Public,
    /// Requirements connexion checks before the function runs, each as it reads
    /// (`security bearerAuth (x-bearerInfoFunc: auth.decode_token)`).
    Guarded(Vec<String>),
}

impl Operation {
    /// The guards the operation's security stands for.
    pub fn guards(&self) -> &[String] {
        match &self.security {
            Security::Guarded(guards) => guards,
            _ => &[],
        }
    }
}

/// How connexion is told to serve a specification (`add_api(...)` arguments).
#[derive(Clone, Debug, Default)]
pub struct Serving<'a> {
    /// `base_path=`: replaces the specification's own.
    pub base_path: Option<&'a str>,
    /// The default module of a `RestyResolver("api")`, which names the function of an
    /// operation without `operationId` after its path and method.
    pub resty: Option<&'a str>,
}

/// The operations of a specification's text (YAML or JSON). An error says why the text is not
/// a specification connexion could serve.
pub fn operations(text: &str, serving: &Serving) -> Result<Vec<Operation>, String> {
    let root = parse(text)?;
    if root.get("openapi").is_none() && root.get("swagger").is_none() {
        return Err(
            "not an OpenAPI or Swagger specification (no `openapi` or `swagger` version)".into(),
        );
    }
    let swagger = root.get("swagger").is_some();
    let base = serving
        .base_path
        .map(str::to_string)
        .or_else(|| {
            root.get("basePath")
                .and_then(Node::text)
                .map(str::to_string)
        })
        .or_else(|| server_path(&root))
        .unwrap_or_default();
    let base = base.trim_end_matches('/').to_string();
    let schemes = if swagger {
        root.get("securityDefinitions")
    } else {
        root.pointer(&["components", "securitySchemes"])
    };
    let global_security = root.get("security");
    let mut lines = Lines::new(text);
    let mut out = Vec::new();
    for (path, item) in root.get("paths").map(Node::entries).unwrap_or_default() {
        if !path.starts_with('/') {
            continue;
        }
        let item = root.follow(item);
        let item_controller = item.get("x-openapi-router-controller").and_then(Node::text);
        for (method, operation) in item.entries() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let operation_id = operation.get("operationId").and_then(Node::text);
            let controller = operation
                .get("x-openapi-router-controller")
                .and_then(Node::text)
                .or(item_controller);
            let function = match (operation_id, serving.resty) {
                (Some(id), _) => match controller {
                    Some(controller) => format!("{controller}.{id}"),
                    None => id.to_string(),
                },
                (None, Some(module)) => resty_function(module, controller, path, method),
                (None, None) => continue,
            };
            let line = match operation_id {
                Some(id) => lines.operation_id(id),
                None => lines.method_of(path, method),
            };
            let security = match operation.get("security") {
                Some(Node::Seq(items)) if items.is_empty() => Security::Public,
                Some(requirements) => security(requirements, schemes, &root),
                None => global_security
                    .map_or(Security::Open, |global| security(global, schemes, &root)),
            };
            let mut params = parameters(&root, item, operation);
            params.extend(body(&root, operation, swagger));
            out.push(Operation {
                method: method.to_ascii_uppercase(),
                path: format!("{base}{path}"),
                function,
                line,
                params,
                security,
            });
        }
    }
    Ok(out)
}

/// The path of the first server's URL (`https://api.example.com/v1` → `/v1`), its variables
/// replaced by their defaults.
fn server_path(root: &Node) -> Option<String> {
    let server = root.get("servers")?.items().first()?;
    let mut url = server.get("url")?.text()?.to_string();
    for (name, variable) in server
        .get("variables")
        .map(Node::entries)
        .unwrap_or_default()
    {
        if let Some(default) = variable.get("default").and_then(Node::text) {
            url = url.replace(&format!("{{{name}}}"), default);
        }
    }
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |slash| &rest[slash..]),
        None => url.as_str(),
    };
    Some(path.to_string())
}

/// connexion's `RestyResolver`: `GET /pets` → `api.pets.search`, `GET /pets/{id}` →
/// `api.pets.get`, other methods by their name; `x-openapi-router-controller` names the module.
fn resty_function(module: &str, controller: Option<&str>, path: &str, method: &str) -> String {
    let trimmed = path.trim_start_matches('/');
    let resource: String = trimmed
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let extended = trimmed[resource.len()..].trim_start_matches('/');
    let module = match controller {
        Some(controller) => controller.to_string(),
        None if !resource.is_empty() => format!("{module}.{}", resource.replace('-', "_")),
        None => module.to_string(),
    };
    let function = if method == "get" && !resource.is_empty() && extended.is_empty() {
        "search"
    } else {
        method
    };
    format!("{module}.{function}")
}

/// The guards a list of security requirements stands for: none when it is empty or one of its
/// alternatives is the empty requirement (authentication is optional).
fn security(requirements: &Node, schemes: Option<&Node>, root: &Node) -> Security {
    let alternatives = requirements.items();
    if alternatives.is_empty() || alternatives.iter().any(|r| r.entries().is_empty()) {
        return Security::Open;
    }
    let mut guards: Vec<String> = alternatives
        .iter()
        .flat_map(Node::entries)
        .map(|(name, _)| {
            let scheme = schemes.and_then(|s| s.get(name)).map(|s| root.follow(s));
            format!("security {name} ({})", scheme_check(scheme))
        })
        .collect();
    guards.dedup();
    Security::Guarded(guards)
}

/// How connexion checks a security scheme: the function the scheme names, or the environment
/// variable it reads the function from otherwise (without either, connexion refuses every
/// request the requirement applies to).
fn scheme_check(scheme: Option<&Node>) -> String {
    let Some(scheme) = scheme else {
        return "not defined in the specification".into();
    };
    let kind = scheme
        .get("type")
        .and_then(Node::text)
        .unwrap_or("")
        .to_ascii_lowercase();
    let http = scheme
        .get("scheme")
        .and_then(Node::text)
        .unwrap_or("")
        .to_ascii_lowercase();
    let (keys, variable): (&[&str], &str) = match (kind.as_str(), http.as_str()) {
        ("http", "basic") | ("basic", _) => (&["x-basicInfoFunc"], "BASICINFO_FUNC"),
        ("http", "bearer") => (&["x-bearerInfoFunc"], "BEARERINFO_FUNC"),
        ("apikey", _) => (&["x-apikeyInfoFunc"], "APIKEYINFO_FUNC"),
        ("oauth2", _) | ("openidconnect", _) => {
            (&["x-tokenInfoFunc", "x-tokenInfoUrl"], "TOKENINFO_FUNC")
        }
        _ => return format!("type `{kind}`"),
    };
    keys.iter()
        .find_map(|key| {
            let function = scheme.get(key)?.text()?;
            Some(format!("{key}: {function}"))
        })
        .unwrap_or_else(|| format!("no {}: checked by {variable}, else refused", keys[0]))
}

/// The path item's and the operation's parameters that connexion passes to the function (the
/// operation's replace the path item's of the same name and place).
fn parameters(root: &Node, item: &Node, operation: &Node) -> Vec<Parameter> {
    let mut out: Vec<(String, String, bool)> = Vec::new();
    let listed = item
        .get("parameters")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .chain(
            operation
                .get("parameters")
                .map(Node::items)
                .unwrap_or_default(),
        );
    for parameter in listed {
        let parameter = root.follow(parameter);
        let (Some(name), Some(place)) = (
            parameter.get("name").and_then(Node::text),
            parameter.get("in").and_then(Node::text),
        ) else {
            continue;
        };
        if !matches!(place, "path" | "query" | "formData" | "body") {
            // Headers and cookies are not passed to the function.
            continue;
        }
        let schema = parameter.get("schema").map(|s| root.follow(s));
        let typed = place != "body" && typed(root, schema.unwrap_or(parameter));
        out.retain(|(n, p, _)| !(n == name && p == place));
        out.push((
            name.trim_end_matches("[]").to_string(),
            place.to_string(),
            typed,
        ));
    }
    out.into_iter()
        .map(|(name, _, typed)| Parameter { name, typed })
        .collect()
}

/// Whether connexion validates a value of this schema to a number, a boolean, a UUID, a date or
/// an `enum` value (also the items of an array).
fn typed(root: &Node, schema: &Node) -> bool {
    if schema.get("enum").is_some() {
        return true;
    }
    let kind = schema.get("type").and_then(Node::text).unwrap_or("");
    let format = schema.get("format").and_then(Node::text).unwrap_or("");
    match kind {
        "integer" | "number" | "boolean" => true,
        "array" => schema
            .get("items")
            .is_some_and(|items| typed(root, root.follow(items))),
        _ => matches!(format, "uuid" | "date" | "date-time"),
    }
}

/// The arguments the request body is passed as: `body` (or the name `x-body-name` gives it), a
/// Swagger 2 body parameter's name, and the fields of a form.
fn body(root: &Node, operation: &Node, swagger: bool) -> Vec<Parameter> {
    let untyped = |name: &str| Parameter {
        name: name.to_string(),
        typed: false,
    };
    let mut out = Vec::new();
    if swagger {
        let has_body = operation
            .get("parameters")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .any(|p| root.follow(p).get("in").and_then(Node::text) == Some("body"));
        if has_body {
            out.push(untyped("body"));
        }
        return out;
    }
    let Some(request_body) = operation.get("requestBody").map(|b| root.follow(b)) else {
        return out;
    };
    out.push(untyped(
        request_body
            .get("x-body-name")
            .and_then(Node::text)
            .unwrap_or("body"),
    ));
    for (content_type, media) in request_body
        .get("content")
        .map(Node::entries)
        .unwrap_or_default()
    {
        let Some(schema) = media.get("schema").map(|s| root.follow(s)) else {
            continue;
        };
        if let Some(name) = schema.get("x-body-name").and_then(Node::text) {
            out.push(untyped(name));
        }
        if content_type.contains("form") {
            for (field, property) in schema
                .get("properties")
                .map(Node::entries)
                .unwrap_or_default()
            {
                out.push(Parameter {
                    name: field.clone(),
                    typed: typed(root, root.follow(property)),
                });
            }
        }
    }
    out
}

/// The names a Python function may give the argument connexion passes for `name`: as written,
/// with the characters a name cannot hold left out, in snake case (`pythonic_params=True`), and
/// each with a trailing `_` (a Python keyword or builtin: `id_`, `type_`).
pub fn argument_names(name: &str) -> Vec<String> {
    let cleaned: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .skip_while(|c| !(c.is_ascii_alphabetic() || *c == '_'))
        .collect();
    let mut snake = String::new();
    let mut previous_lower = false;
    for c in cleaned.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            snake.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        snake.push(c.to_ascii_lowercase());
    }
    let mut names = vec![name.to_string(), cleaned, snake];
    names.retain(|n| !n.is_empty());
    names.dedup();
    let trailing: Vec<String> = names.iter().map(|n| format!("{n}_")).collect();
    names.extend(trailing);
    names
}

/// Where operations are in the specification's text, found by what they say (the loose tree
/// keeps no positions).
struct Lines<'t> {
    lines: Vec<&'t str>,
    /// The lines that hold `operationId`, with their index.
    ids: Vec<(usize, &'t str)>,
    /// How many times each `operationId` was asked for, to find the next one.
    seen: Vec<(String, usize)>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let ids = lines
            .iter()
            .enumerate()
            .filter(|(_, line)| line.contains("operationId"))
            .map(|(index, line)| (index, *line))
            .collect();
        Lines {
            lines,
            ids,
            seen: Vec::new(),
        }
    }

    /// The line of the `operationId: id` met so many times before, plus one; 1 when not found.
    fn operation_id(&mut self, id: &str) -> usize {
        let nth = match self.seen.iter_mut().find(|(seen, _)| seen == id) {
            Some((_, count)) => {
                *count += 1;
                *count - 1
            }
            None => {
                self.seen.push((id.to_string(), 1));
                0
            }
        };
        self.ids
            .iter()
            .filter(|(_, line)| {
                line.split("operationId").nth(1).is_some_and(|rest| {
                    rest.trim_start_matches(['"', '\'', ':', ' ', '\t'])
                        .starts_with(id)
                        && !rest
                            .trim_start_matches(['"', '\'', ':', ' ', '\t'])
                            .get(id.len()..)
                            .and_then(|after| after.chars().next())
                            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                })
            })
            .nth(nth)
            .map_or(1, |(index, _)| *index + 1)
    }

    /// The line of `method` under the path `path`; else the path's; 1 when neither is found.
    fn method_of(&self, path: &str, method: &str) -> usize {
        let quoted = |line: &str, key: &str| {
            let line = line.trim_start().trim_start_matches(['{', ',', ' ']);
            line.strip_prefix(key)
                .or_else(|| {
                    line.strip_prefix(['"', '\''])
                        .and_then(|l| l.strip_prefix(key))
                        .and_then(|l| l.strip_prefix(['"', '\'']))
                })
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        };
        let Some(at) = self.lines.iter().position(|line| quoted(line, path)) else {
            return 1;
        };
        self.lines[at..]
            .iter()
            .position(|line| quoted(line, method))
            .map_or(at + 1, |offset| at + offset + 1)
    }
}

/// A YAML or JSON value; scalars are kept as their text, maps in their order.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn pointer(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    fn text(&self) -> Option<&str> {
        match self {
            Node::Scalar(text) => Some(text),
            _ => None,
        }
    }

    fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }

    fn items(&self) -> &[Node] {
        match self {
            Node::Seq(items) => items,
            _ => &[],
        }
    }

    /// `node`, or what its local `$ref` (`#/components/parameters/Id`) points to, followed a
    /// few times; `self` is the document's root.
    fn follow<'n>(&'n self, node: &'n Node) -> &'n Node {
        let mut node = node;
        for _ in 0..MAX_REFS {
            let Some(target) = node.get("$ref").and_then(Node::text) else {
                break;
            };
            let Some(pointer) = target.strip_prefix("#/") else {
                break;
            };
            let keys: Vec<String> = pointer
                .split('/')
                .map(|k| k.replace("~1", "/").replace("~0", "~"))
                .collect();
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            match self.pointer(&keys) {
                Some(found) => node = found,
                None => break,
            }
        }
        node
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Scalar(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Scalar(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::Scalar(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<Node, Node>()? {
            let key = match key {
                Node::Scalar(text) => text,
                Node::Null => "null".to_string(),
                _ => String::new(),
            };
            entries.push((key, value));
        }
        Ok(Node::Map(entries))
    }
}

/// The document of a YAML or JSON text (JSON is read as the YAML it also is).
fn parse(text: &str) -> Result<Node, String> {
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    match serde_saphyr::from_str_with_options::<Node>(text, options) {
        Ok(node) => Ok(node),
        // A JSON text YAML does not read (tabs, long lines): read it as JSON.
        Err(error) => serde_json::from_str::<Node>(text).map_err(|_| {
            let message = error.to_string();
            let first = message.lines().next().unwrap_or(&message);
            first.trim_start_matches("error: ").to_string()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPENAPI: &str = r#"
openapi: 3.0.1
info: {title: shop, version: '1'}
servers:
  - url: https://api.example.com/{base}
    variables:
      base: {default: v1}
security:
  - bearer: []
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
      x-bearerInfoFunc: shop.auth.decode_token
    key:
      type: apiKey
      in: header
      name: X-Key
  parameters:
    OrderId:
      name: orderId
      in: path
      required: true
      schema: {type: integer}
paths:
  /orders/{orderId}:
    x-openapi-router-controller: shop.orders
    parameters:
      - $ref: '#/components/parameters/OrderId'
    get:
      operationId: show
      parameters:
        - {name: expand, in: query, schema: {type: string}}
        - {name: X-Trace, in: header, schema: {type: string}}
      responses:
        200: {description: ok}
    delete:
      operationId: remove
      security: [{key: []}]
      responses: {'204': {description: gone}}
  /login:
    post:
      operationId: shop.auth.login
      security: []
      requestBody:
        x-body-name: credentials
        content:
          application/json:
            schema: {type: object}
      responses: {'200': {description: ok}}
  /search:
    get:
      operationId: shop.search.run
      security: [{}, {bearer: []}]
      responses: {'200': {description: ok}}
"#;

    #[test]
    fn operations_name_functions_params_and_security() {
        let ops = operations(OPENAPI, &Serving::default()).unwrap();
        let show = &ops[0];
        assert_eq!(show.method, "GET");
        assert_eq!(show.path, "/v1/orders/{orderId}");
        assert_eq!(show.function, "shop.orders.show");
        assert_eq!(
            OPENAPI.lines().nth(show.line - 1).unwrap().trim(),
            "operationId: show"
        );
        assert_eq!(
            show.params,
            vec![
                Parameter {
                    name: "orderId".into(),
                    typed: true
                },
                Parameter {
                    name: "expand".into(),
                    typed: false
                },
            ]
        );
        assert_eq!(
            show.guards(),
            ["security bearer (x-bearerInfoFunc: shop.auth.decode_token)"]
        );
        let remove = &ops[1];
        assert_eq!(remove.function, "shop.orders.remove");
        assert_eq!(
            remove.guards(),
            ["security key (no x-apikeyInfoFunc: checked by APIKEYINFO_FUNC, else refused)"]
        );
        let login = &ops[2];
        assert_eq!(login.security, Security::Public);
        assert_eq!(login.params[0].name, "credentials");
        assert_eq!(ops[3].security, Security::Open);
    }

    #[test]
    fn swagger_2_and_json_are_read() {
        let json = r#"{
  "swagger": "2.0",
  "basePath": "/api",
  "paths": {
    "/pets/{id}": {
      "put": {
        "operationId": "pets.update",
        "parameters": [
          {"name": "id", "in": "path", "type": "string", "format": "uuid"},
          {"name": "pet", "in": "body", "schema": {"type": "object"}}
        ],
        "responses": {"200": {"description": "ok"}}
      }
    }
  }
}"#;
        let ops = operations(json, &Serving::default()).unwrap();
        assert_eq!(ops[0].path, "/api/pets/{id}");
        assert_eq!(ops[0].line, 7);
        let names: Vec<(&str, bool)> = ops[0]
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.typed))
            .collect();
        assert_eq!(names, [("id", true), ("pet", false), ("body", false)]);
        assert_eq!(ops[0].security, Security::Open);
    }

    #[test]
    fn resty_resolver_names_functions_by_path_and_method() {
        let yaml = "swagger: '2.0'\npaths:\n  /pets:\n    get: {}\n    post: {}\n  /pets/{id}:\n    get: {}\n";
        let serving = Serving {
            base_path: Some("/v2/"),
            resty: Some("api"),
        };
        let ops = operations(yaml, &serving).unwrap();
        let names: Vec<(&str, &str, usize)> = ops
            .iter()
            .map(|o| (o.path.as_str(), o.function.as_str(), o.line))
            .collect();
        assert_eq!(
            names,
            [
                ("/v2/pets", "api.pets.search", 4),
                ("/v2/pets", "api.pets.post", 5),
                ("/v2/pets/{id}", "api.pets.get", 7),
            ]
        );
    }

    #[test]
    fn bad_documents_are_errors() {
        assert!(operations("paths: [unclosed", &Serving::default()).is_err());
        assert!(operations("name: not a spec\n", &Serving::default()).is_err());
        assert!(operations("", &Serving::default()).is_err());
    }

    #[test]
    fn argument_names_follow_connexion() {
        assert_eq!(
            argument_names("userId"),
            ["userId", "user_id", "userId_", "user_id_"]
        );
        assert!(argument_names("id").contains(&"id_".to_string()));
        assert!(argument_names("page[size]").contains(&"pagesize".to_string()));
    }
}
