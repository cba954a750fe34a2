/**
 * A lazily loaded component that renders at once when its chunk is already here. React's `lazy`
 * suspends on its first render even then (its promise settles a microtask later), so a signed-in
 * visit whose chunks had all arrived still painted "Loading…" twice (the app, then the page)
 * before its page: three renders, each with a layout on a phone's slow CPU (the SIM list's
 * profile, bench/RESULTS.md). A chunk started with `preload` (auth/session-start.ts, at the
 * visit's start) and loaded before the render is rendered directly, in the same pass as its parent.
 */
import { type ComponentType, createElement, lazy } from 'react';

export type ComponentModule<P> = { default: ComponentType<P> };

/** The loaded modules' components, by loader (the same function object for preload and render). */
const loaded = new Map<unknown, ComponentType<never>>();

/** Starts (or joins) a chunk's load; once in, `lazyReady(loader)` renders its component directly. */
export function preload<P>(loader: () => Promise<ComponentModule<P>>): Promise<ComponentModule<P>> {
  return loader().then((module) => {
    loaded.set(loader, module.default as ComponentType<never>);
    return module;
  });
}

/** Whether `preload(loader)` (or a render) has the chunk in. */
export function isLoaded(loader: () => Promise<unknown>): boolean {
  return loaded.has(loader);
}

/** `lazy(loader)`, but without suspending when the chunk is already loaded. Needs a Suspense above it. */
export function lazyReady<P extends object>(loader: () => Promise<ComponentModule<P>>): ComponentType<P> {
  const Lazy = lazy(() => preload(loader));
  return function Ready(props: P) {
    const Loaded = loaded.get(loader) as ComponentType<P> | undefined;
    return Loaded ? createElement(Loaded, props) : createElement(Lazy, props);
  };
}
