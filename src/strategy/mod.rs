//! The detection-strategy catalog: built-in strategies (embedded YAML) and their model.
