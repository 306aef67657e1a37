// Package inventory reads Ansible-compatible inventories: INI and YAML files,
// directories of them, "a,b," host lists, and the group_vars/ and host_vars/
// directories beside the inventory and the playbook.
//
// The behaviour follows ansible-core 2.14 (ansible-inventory is the oracle in
// the tests): the same host and group order, the same value typing (Python
// literals in INI, YAML 1.1 scalars in YAML), the same variable precedence and
// the same host patterns. Where Ansible only warns about a broken source, Load
// fails with every problem listed as file:line:col.
package inventory
