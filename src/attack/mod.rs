//! Reading MITRE ATT&CK STIX 2.1 bundles into detection strategies.
