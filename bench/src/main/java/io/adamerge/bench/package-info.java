package io.adamerge.bench;
