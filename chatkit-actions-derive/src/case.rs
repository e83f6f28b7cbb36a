//! The renaming rules of `#[action(rename_all = "…")]`, a closed list as in serde.

/// A renaming rule for the type strings of an enum's variants.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum RenameRule {
    Snake,
    Lower,
    Upper,
    Pascal,
    Camel,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

pub(crate) const RULE_NAMES: &str = "\"snake_case\", \"lowercase\", \"UPPERCASE\", \"PascalCase\", \"camelCase\", \"SCREAMING_SNAKE_CASE\", \"kebab-case\", \"SCREAMING-KEBAB-CASE\"";

impl RenameRule {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "snake_case" => RenameRule::Snake,
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => return None,
        })
    }

    /// Applies the rule to a `PascalCase` variant name.
    pub(crate) fn apply(self, variant: &str) -> String {
        match self {
            RenameRule::Pascal => variant.to_owned(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_lowercase().to_string() + chars.as_str()
                })
            }
            RenameRule::Snake => snake_case(variant),
            RenameRule::ScreamingSnake => snake_case(variant).to_ascii_uppercase(),
            RenameRule::Kebab => snake_case(variant).replace('_', "-"),
            RenameRule::ScreamingKebab => {
                snake_case(variant).replace('_', "-").to_ascii_uppercase()
            }
        }
    }
}

/// `UpdateTodo` → `update_todo`: an underscore before every uppercase letter but the first,
/// as serde's `snake_case` does.
pub(crate) fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (i, ch) in name.char_indices() {
        if i > 0 && ch.is_uppercase() {
            snake.push('_');
        }
        snake.push(ch.to_ascii_lowercase());
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(RenameRule::Snake.apply("UpdateTodo"), "update_todo");
        assert_eq!(RenameRule::Kebab.apply("UpdateTodo"), "update-todo");
        assert_eq!(
            RenameRule::ScreamingSnake.apply("UpdateTodo"),
            "UPDATE_TODO"
        );
        assert_eq!(
            RenameRule::ScreamingKebab.apply("UpdateTodo"),
            "UPDATE-TODO"
        );
        assert_eq!(RenameRule::Camel.apply("UpdateTodo"), "updateTodo");
        assert_eq!(RenameRule::Lower.apply("UpdateTodo"), "updatetodo");
        assert_eq!(RenameRule::Upper.apply("UpdateTodo"), "UPDATETODO");
        assert_eq!(RenameRule::Pascal.apply("UpdateTodo"), "UpdateTodo");
        assert_eq!(RenameRule::from_name("snake"), None);
    }
}
