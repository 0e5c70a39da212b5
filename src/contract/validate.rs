//! IOST's deploy validation (`vm/v8vm/v8/libjs/validate.js`), on the syntax tree the
//! instrumenter parses: the last statement is `module.exports = ClassName;`, that class is a
//! top-level declaration with an `init` method and no `constructor` ([`exported`], run by the
//! instrumenter on its own parse), and every ABI method is a method of it with as many
//! parameters as the ABI declares arguments ([`check`]). IOST's messages, word for word.

use oxc_ast::ast::{
    AssignmentOperator, AssignmentTarget, ClassElement, Expression, MethodDefinitionKind, Program,
    PropertyKey, Statement,
};

use super::Abi;

/// The exported class of a source: its methods and their parameter counts, as esprima lists
/// them (a rest parameter counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    methods: Vec<(String, usize)>,
}

/// The exported class of `program`, or IOST's message for why the source has none it accepts.
pub(super) fn exported(program: &Program<'_>) -> Result<Exported, String> {
    let body = &program.body;
    if body.len() <= 1 {
        return Err("empty source code.".into());
    }
    let class = exported_class(&body[body.len() - 1]).ok_or_else(|| {
        "last expression must be 'module.exports = CLASS_IDENTIFIER;'".to_string()
    })?;
    for statement in body.iter() {
        let Statement::ClassDeclaration(declared) = statement else {
            continue;
        };
        if declared.id.as_ref().is_none_or(|id| id.name != class) {
            continue;
        }
        let mut methods: Vec<(String, usize)> = Vec::new();
        for element in &declared.body.body {
            let ClassElement::MethodDefinition(method) = element else {
                continue;
            };
            let PropertyKey::StaticIdentifier(key) = &method.key else {
                continue;
            };
            if method.kind == MethodDefinitionKind::Constructor {
                return Err("smart contract class shouldn't contain constructor method!!".into());
            }
            let params = &method.value.params;
            let count = params.items.len() + usize::from(params.rest.is_some());
            match methods
                .iter_mut()
                .find(|(name, _)| name == key.name.as_str())
            {
                Some(entry) => entry.1 = count,
                None => methods.push((key.name.to_string(), count)),
            }
        }
        if !methods.iter().any(|(name, _)| name == "init") {
            return Err("init not found!".into());
        }
        return Ok(Exported { methods });
    }
    Err("abi not match your source code.".into())
}

/// Checks the ABI against the source's exported class; `Err` is IOST's message.
pub fn check(exported: &Result<Exported, String>, abi: &Abi) -> Result<(), String> {
    let exported = exported.as_ref().map_err(Clone::clone)?;
    for method in &abi.abi {
        let params = exported
            .methods
            .iter()
            .find(|(name, _)| *name == method.name)
            .map(|(_, count)| *count)
            .ok_or_else(|| format!("abi not defined in source code: {}", method.name))?;
        if method.args.len() != params {
            return Err(format!("args length not match: {}", method.name));
        }
    }
    Ok(())
}

/// The class name in `module.exports = Name;`, if `statement` is that.
fn exported_class<'a>(statement: &'a Statement<'a>) -> Option<&'a str> {
    let Statement::ExpressionStatement(statement) = statement else {
        return None;
    };
    let Expression::AssignmentExpression(assign) = &statement.expression else {
        return None;
    };
    if assign.operator != AssignmentOperator::Assign {
        return None;
    }
    let AssignmentTarget::StaticMemberExpression(target) = &assign.left else {
        return None;
    };
    let Expression::Identifier(object) = &target.object else {
        return None;
    };
    if object.name != "module" || target.property.name != "exports" {
        return None;
    }
    match &assign.right {
        Expression::Identifier(class) => Some(class.name.as_str()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn abi(methods: &[(&str, usize)]) -> Abi {
        let methods: Vec<serde_json::Value> = methods
            .iter()
            .map(|(name, n)| serde_json::json!({"name": name, "args": vec!["string"; *n]}))
            .collect();
        Abi::parse(
            &serde_json::json!({"lang": "javascript", "version": "1", "abi": methods}).to_string(),
        )
        .unwrap()
    }

    fn validate(source: &str, abi: &Abi) -> Result<(), String> {
        check(
            &super::super::instrument::instrument(source)
                .unwrap()
                .exported,
            abi,
        )
    }

    #[test]
    fn iost_rules_and_messages() {
        let ok = "class A { init() {} f(a, b) {} g(...r) {} }\nmodule.exports = A;";
        assert_eq!(validate(ok, &abi(&[("f", 2), ("g", 1)])), Ok(()));
        let refused =
            |source: &str, methods: &[(&str, usize)]| validate(source, &abi(methods)).unwrap_err();
        assert_eq!(refused("module.exports = A;", &[]), "empty source code.");
        assert_eq!(
            refused(
                "class A { init() {} }\nmodule.exports = A;\nlet x = 1;",
                &[]
            ),
            "last expression must be 'module.exports = CLASS_IDENTIFIER;'"
        );
        assert_eq!(
            refused("class A { init() {} }\nmodule.exports = new A();", &[]),
            "last expression must be 'module.exports = CLASS_IDENTIFIER;'"
        );
        assert_eq!(
            refused(
                "class A { constructor() {} init() {} }\nmodule.exports = A;",
                &[]
            ),
            "smart contract class shouldn't contain constructor method!!"
        );
        assert_eq!(
            refused("class A { f() {} }\nmodule.exports = A;", &[]),
            "init not found!"
        );
        assert_eq!(
            refused("class A { init() {} }\nmodule.exports = A;", &[("f", 0)]),
            "abi not defined in source code: f"
        );
        assert_eq!(
            refused(
                "class A { init() {} f(a) {} }\nmodule.exports = A;",
                &[("f", 2)]
            ),
            "args length not match: f"
        );
        assert_eq!(
            refused("class B { init() {} }\nmodule.exports = A;", &[]),
            "abi not match your source code."
        );
    }
}
