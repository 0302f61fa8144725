package workflow

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

//go:embed catalogue/materials.json
var defaultCatalogueJSON []byte

// Catalogue is the materials checklist per record type, kept as data because the rules
// change. A case copies its checklist at intake, so later changes never rewrite history.
type Catalogue struct {
	Version  string                     `json:"version"`
	Common   []CatalogueItem            `json:"common"`
	Types    map[string][]CatalogueItem `json:"types"`
	Problems map[string][]CatalogueItem `json:"problems"`
}

type CatalogueItem struct {
	Key      string `json:"key"`
	Required bool   `json:"required"`
}

// ParseCatalogue reads a catalogue and checks every record type is covered.
func ParseCatalogue(data []byte) (Catalogue, error) {
	var c Catalogue
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("materials catalogue: %w", err)
	}
	for _, t := range Keys("record_type") {
		if _, ok := c.Types[t]; !ok {
			return c, fmt.Errorf("materials catalogue: record type %q has no entry", t)
		}
	}
	// The proof of authority is required for every source (the agency acts for the
	// enterprise: seed 000 step 2, seed 004).
	for _, k := range AuthorityProof {
		if !slices.ContainsFunc(c.Common, func(it CatalogueItem) bool { return it.Key == k && it.Required }) {
			return c, fmt.Errorf("materials catalogue: %q (proof of authority) must be a required common item", k)
		}
		for t, items := range c.Types {
			if slices.ContainsFunc(items, func(it CatalogueItem) bool { return it.Key == k && !it.Required }) {
				return c, fmt.Errorf("materials catalogue: record type %q makes %q (proof of authority) optional", t, k)
			}
		}
	}
	return c, nil
}

// AuthorityProof are the items that prove who acts for the enterprise: required for every
// source.
var AuthorityProof = []string{"legal_rep_id", "authorization", "agent_id"}

// DefaultCatalogue is the catalogue shipped with the program.
func DefaultCatalogue() Catalogue {
	c, err := ParseCatalogue(defaultCatalogueJSON)
	if err != nil {
		panic(err) // the embedded file is tested
	}
	return c
}

// Checklist builds the materials a case with these records needs. An item required by any
// record stays required; a type-specific entry for a common item overrides the common
// requirement only when every record agrees (so a mixed case asks for the stricter set).
func (cat Catalogue) Checklist(records []Record) []Material {
	type entry struct {
		required bool
		order    int
	}
	items := map[string]*entry{}
	var order []string
	add := func(key string, req bool) {
		if e, ok := items[key]; ok {
			e.required = e.required || req
			return
		}
		items[key] = &entry{required: req, order: len(order)}
		order = append(order, key)
	}
	common := map[string]bool{}
	for _, it := range cat.Common {
		common[it.Key] = true
	}
	// Start from the common list with each record's override applied, then OR across records.
	if len(records) == 0 {
		for _, it := range cat.Common {
			add(it.Key, it.Required)
		}
	}
	for _, r := range records {
		override := map[string]bool{}
		for _, it := range cat.Types[r.Type] {
			if common[it.Key] {
				override[it.Key] = it.Required
			}
		}
		for _, it := range cat.Common {
			req := it.Required
			if v, ok := override[it.Key]; ok {
				req = v
			}
			add(it.Key, req)
		}
	}
	for _, r := range records {
		for _, it := range cat.Types[r.Type] {
			if !common[it.Key] {
				add(it.Key, it.Required)
			}
		}
		for _, it := range cat.Problems[r.Problem] {
			add(it.Key, it.Required)
		}
	}
	out := make([]Material, 0, len(order))
	for _, k := range order {
		out = append(out, Material{Key: k, Required: items[k].required})
	}
	return out
}
