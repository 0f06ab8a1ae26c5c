import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import StatusDot from './StatusDot.svelte';

describe('StatusDot', () => {
  it('names each state for screen readers, with how it was found and why', () => {
    render(StatusDot, { props: { reach: { state: 'reachable', method: 'ping', detail: 'port 22 refused' } } });
    const dot = screen.getByRole('img');
    expect(dot.getAttribute('aria-label')).toBe('Reachable, SSH port closed (by ping): port 22 refused');
    expect(dot.dataset.state).toBe('reachable');
  });

  it('shows unknown before any check, and knocking while busy', () => {
    const { unmount } = render(StatusDot, { props: {} });
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('Not checked yet');
    unmount();
    render(StatusDot, { props: { reach: { state: 'open', method: 'tcp' }, busy: true } });
    expect(screen.getByRole('img').dataset.state).toBe('busy');
    expect(screen.getByRole('img').getAttribute('aria-label')).toBe('Knocking…');
  });
});
