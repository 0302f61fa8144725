//go:build !unix

package main

func narrowAmbiguous() {}
