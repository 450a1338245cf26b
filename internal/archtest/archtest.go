// Package archtest holds the test that enforces the dependency rules of
// ARCHITECTURE.md on every package of the module.
package archtest
