/**
 * Light and dark: the OS preference (prefers-color-scheme) unless the toggle chose one, remembered in
 * localStorage. Charts read their colours from the CSS variables, so they listen for changes here.
 */
import { useEffect, useState } from "preact/hooks";

export type Theme = "light" | "dark";
const KEY = "pylon-view-theme";
const media = matchMedia("(prefers-color-scheme: dark)");
const listeners = new Set<() => void>();

export function currentTheme(): Theme {
  const chosen = localStorage.getItem(KEY);
  if (chosen === "light" || chosen === "dark") return chosen;
  return media.matches ? "dark" : "light";
}

function apply(): void {
  document.documentElement.dataset.theme = currentTheme();
  for (const listener of listeners) listener();
}

export function initTheme(): void {
  apply();
  media.addEventListener("change", apply);
}

export function toggleTheme(): void {
  localStorage.setItem(KEY, currentTheme() === "dark" ? "light" : "dark");
  apply();
}

/** The theme, re-rendering the caller when it changes. */
export function useTheme(): Theme {
  const [theme, setTheme] = useState(currentTheme());
  useEffect(() => {
    const update = () => setTheme(currentTheme());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return theme;
}

/** A CSS variable's value, for canvas drawing (uPlot cannot read CSS). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
