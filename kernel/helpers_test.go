package kernel

import "github.com/sysfsim/sysfsim/model"

func modelConfig(n int) model.Config {
	c := model.Config{Namespaces: n}
	for i := 1; i <= n; i++ {
		c.Mounts = append(c.Mounts, i)
	}
	return c
}

func exitOp(ns int) model.Op { return model.Op{Kind: model.Exit, NS: ns} }

func lookupOp(m int, name string) model.Op {
	return model.Op{Kind: model.Lookup, Mount: m, Name: name}
}

func okTag(t int) model.Result { return model.Result{Tag: t} }
