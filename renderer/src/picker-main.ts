import { mount } from 'svelte';
import QuickPicker from './components/QuickPicker.svelte';
import { getApi } from './lib/api';
import { applyTheme } from './lib/theme';
import './styles.css';

// The system's theme at once; the saved preference replaces it when it arrives.
applyTheme('system');
mount(QuickPicker, { target: document.getElementById('app') as HTMLElement, props: { api: getApi() } });
