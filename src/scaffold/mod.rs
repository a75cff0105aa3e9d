//! Rendering Sigma rule drafts from detection strategies with minijinja templates.
