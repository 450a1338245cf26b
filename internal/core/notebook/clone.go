package notebook

import "slices"

// Clone returns a deep copy of n (nil for nil).
func (n *Notebook) Clone() *Notebook {
	if n == nil {
		return nil
	}
	c := *n
	c.SecurityGroups = slices.Clone(n.SecurityGroups)
	c.AcceleratorTypes = slices.Clone(n.AcceleratorTypes)
	c.AdditionalCodeRepositories = slices.Clone(n.AdditionalCodeRepositories)
	c.Tags = slices.Clone(n.Tags)
	return &c
}

// Clone returns a deep copy of c (nil for nil).
func (c *LifecycleConfig) Clone() *LifecycleConfig {
	if c == nil {
		return nil
	}
	d := *c
	d.OnCreate = slices.Clone(c.OnCreate)
	d.OnStart = slices.Clone(c.OnStart)
	d.Tags = slices.Clone(c.Tags)
	return &d
}
